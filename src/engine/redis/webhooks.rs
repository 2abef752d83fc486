//! Webhooks in Redis: each webhook's JSON, its client's hash of active filters (what
//! the scripts match events against), and per webhook a list as outbox, a hash for
//! the head's attempts, a lease string and a stream as log. Claiming and settling
//! the head are one script each, so a lease decides every attempt.
//!
//! The outboxes with events waiting are listed per shard (the scripts that fill them
//! work within a tenant's slot). The workers find those lists through the untagged set
//! of shards that ever had a webhook, which a webhook's creation adds its shard to; it
//! never shrinks, and holds at most 65,536 entries. Most looks read only some of them
//! (`pending.rs`).

use std::collections::HashSet;

use anyhow::anyhow;
use chrono::{TimeZone, Utc};
use redis::{streams::StreamRangeReply, AsyncCommands, Pipeline};

use super::{
    next_reply,
    pages::{lex_page, ordered_id},
    pending::Scan,
    records::*,
    timed, unexpected, RedisEngine, Replies, SCAN_BATCH,
};
use crate::{
    domain::{
        cursor::event_id,
        ids::{ClientId, Shard, WebhookId},
        page::{Page, PageRequest},
        webhook::{Claimed, Delivery, OutboxEntry, Settle, Webhook},
    },
    engine::{rules::paging::Pager, EngineError},
};

/// Attempts kept in a webhook's log (approximately: `MAXLEN ~`).
const DELIVERY_LOG: usize = 1000;
/// Field of a delivery's stream entry.
const DELIVERY_FIELD: &str = "d";

/// Writes the webhook and its entry in the client's filter hash (present only while
/// active, so events skip inactive webhooks).
fn queue_webhook(
    engine: &RedisEngine,
    pipe: &mut Pipeline,
    webhook: &Webhook,
) -> Result<(), EngineError> {
    pipe.set(engine.keys.webhook(webhook.id), to_json(webhook)?)
        .ignore();
    let filters = engine.keys.client_webhooks(webhook.client_id);
    if webhook.is_active {
        pipe.hset(&filters, webhook.id.to_string(), webhook.events.encoded())
            .ignore();
    } else {
        pipe.hdel(&filters, webhook.id.to_string()).ignore();
    }
    Ok(())
}

pub(super) async fn create_webhook(
    engine: &RedisEngine,
    webhook: &Webhook,
) -> Result<(), EngineError> {
    let mut conn = engine.conn().await?;
    let shards = engine.keys.webhook_shards();
    let shard = webhook.id.shard().to_string();
    timed("create_webhook", conn.sadd::<_, _, ()>(shards, shard)).await?;
    let mut pipe = redis::pipe();
    pipe.atomic();
    queue_webhook(engine, &mut pipe, webhook)?;
    pipe.zadd(
        engine.keys.webhook_order(webhook.client_id),
        webhook.order_key(),
        0,
    )
    .ignore();
    timed("create_webhook", pipe.query_async::<()>(&mut conn)).await
}

pub(super) async fn get_webhook(
    engine: &RedisEngine,
    id: WebhookId,
) -> Result<Option<Webhook>, EngineError> {
    engine.get_json(engine.keys.webhook(id)).await
}

pub(super) async fn list_webhooks(
    engine: &RedisEngine,
    client: ClientId,
    page: &PageRequest,
) -> Result<Page<Webhook>, EngineError> {
    let queue = |pipe: &mut Pipeline, member: &str| {
        pipe.get(engine.keys.webhook(ordered_id(member, WebhookId::parse)?));
        Ok(())
    };
    let read = |replies: &mut Replies| {
        let text: Option<String> = next_reply(replies)?;
        text.map(|text| from_json(&text)).transpose()
    };
    let mut conn = engine.conn().await?;
    let order = engine.keys.webhook_order(client);
    lex_page(
        &mut conn,
        &order,
        page.cursor.as_deref(),
        page.limit,
        queue,
        read,
    )
    .await
}

pub(super) async fn update_webhook(
    engine: &RedisEngine,
    webhook: &Webhook,
) -> Result<(), EngineError> {
    let mut pipe = redis::pipe();
    pipe.atomic();
    queue_webhook(engine, &mut pipe, webhook)?;
    let mut conn = engine.conn().await?;
    timed("update_webhook", pipe.query_async::<()>(&mut conn)).await
}

pub(super) async fn delete_webhook(
    engine: &RedisEngine,
    webhook: &Webhook,
) -> Result<bool, EngineError> {
    let id = webhook.id;
    let mut pipe = redis::pipe();
    pipe.atomic()
        .del(engine.keys.webhook(id))
        .hdel(
            engine.keys.client_webhooks(webhook.client_id),
            id.to_string(),
        )
        .ignore()
        .zrem(
            engine.keys.webhook_order(webhook.client_id),
            webhook.order_key(),
        )
        .ignore()
        .del(&[
            engine.keys.outbox(id),
            engine.keys.outbox_head(id),
            engine.keys.outbox_lease(id),
            engine.keys.deliveries(id),
        ])
        .ignore()
        .srem(engine.keys.pending_webhooks(id.shard()), id.to_string())
        .ignore();
    let mut conn = engine.conn().await?;
    let (deleted,): (u64,) = timed("delete_webhook", pipe.query_async(&mut conn)).await?;
    Ok(deleted > 0)
}

pub(super) async fn enqueue_event(
    engine: &RedisEngine,
    client: ClientId,
    event: &str,
    body: &str,
) -> Result<(), EngineError> {
    let entry = OutboxEntry::Event(body.to_owned()).encode();
    let mut conn = engine.conn().await?;
    let _: u64 = timed(
        "enqueue_event",
        engine
            .scripts
            .enqueue_event
            .key(engine.keys.client_webhooks(client))
            .key(engine.keys.pending_webhooks(client.shard()))
            .arg(&engine.keys.outbox_family(client.shard()).args())
            .arg(event)
            .arg(entry)
            .invoke_async(&mut conn),
    )
    .await?;
    engine.pending.queued([client.shard()]);
    Ok(())
}

pub(super) async fn requeue_entry(
    engine: &RedisEngine,
    webhook: WebhookId,
    entry: &str,
) -> Result<(), EngineError> {
    let mut pipe = redis::pipe();
    pipe.atomic()
        .rpush(engine.keys.outbox(webhook), entry)
        .ignore()
        .sadd(
            engine.keys.pending_webhooks(webhook.shard()),
            webhook.to_string(),
        )
        .ignore();
    let mut conn = engine.conn().await?;
    timed("requeue_entry", pipe.query_async::<()>(&mut conn)).await?;
    engine.pending.queued([webhook.shard()]);
    Ok(())
}

/// The webhooks with events waiting, in the shards this look reads (`pending.rs`).
pub(super) async fn pending_webhooks(engine: &RedisEngine) -> Result<Vec<WebhookId>, EngineError> {
    let mut conn = engine.conn().await?;
    let shards = match engine.pending.next() {
        Scan::Only(shards) => shards,
        Scan::All => {
            let all: Vec<String> = timed(
                "pending_webhooks",
                conn.smembers(engine.keys.webhook_shards()),
            )
            .await?;
            all.iter().filter_map(|s| Shard::parse(s)).collect()
        }
    };
    if shards.is_empty() {
        engine.pending.found(HashSet::new());
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    for &shard in &shards {
        pipe.smembers(engine.keys.pending_webhooks(shard));
    }
    let pending: Vec<Vec<String>> = timed("pending_webhooks", pipe.query_async(&mut conn)).await?;
    let busy = shards
        .iter()
        .zip(&pending)
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(&shard, _)| shard)
        .collect();
    engine.pending.found(busy);
    Ok(pending
        .iter()
        .flatten()
        .filter_map(|id| WebhookId::parse(id))
        .collect())
}

pub(super) async fn claim_outbox(
    engine: &RedisEngine,
    webhook: WebhookId,
    node: &str,
    lease: std::time::Duration,
) -> Result<Option<Claimed>, EngineError> {
    let mut conn = engine.conn().await?;
    let reply: Option<Vec<String>> = timed(
        "claim_outbox",
        engine
            .scripts
            .claim_outbox
            .key(engine.keys.outbox(webhook))
            .key(engine.keys.outbox_head(webhook))
            .key(engine.keys.outbox_lease(webhook))
            .key(engine.keys.pending_webhooks(webhook.shard()))
            .arg(node)
            .arg(u64::try_from(lease.as_millis()).unwrap_or(u64::MAX))
            .arg(Utc::now().timestamp_millis())
            .arg(webhook.to_string())
            .invoke_async(&mut conn),
    )
    .await?;
    let Some(reply) = reply else {
        return Ok(None);
    };
    let [entry, attempts, due] = reply.as_slice() else {
        return Err(unexpected("claim_outbox", &reply.join(" ")));
    };
    let bad = || unexpected("claim_outbox", &reply.join(" "));
    let due: i64 = due.parse().map_err(|_| bad())?;
    Ok(Some(Claimed {
        entry: OutboxEntry::decode(entry).ok_or_else(bad)?,
        attempts: attempts.parse().map_err(|_| bad())?,
        due_at: Utc
            .timestamp_millis_opt(due)
            .single()
            .unwrap_or_else(Utc::now),
    }))
}

pub(super) async fn settle_outbox(
    engine: &RedisEngine,
    webhook: WebhookId,
    node: &str,
    delivery: &Delivery,
    settle: Settle,
) -> Result<bool, EngineError> {
    let (done, due) = match settle {
        Settle::Done => ("1", 0),
        Settle::RetryAt(at) => ("0", at.timestamp_millis()),
    };
    let mut conn = engine.conn().await?;
    let id: Option<String> = timed(
        "settle_outbox",
        engine
            .scripts
            .settle_outbox
            .key(engine.keys.outbox(webhook))
            .key(engine.keys.outbox_head(webhook))
            .key(engine.keys.outbox_lease(webhook))
            .key(engine.keys.deliveries(webhook))
            .arg(node)
            .arg(to_json(delivery)?)
            .arg(done)
            .arg(delivery.attempt)
            .arg(due)
            .arg(DELIVERY_LOG)
            .invoke_async(&mut conn),
    )
    .await?;
    Ok(id.is_some())
}

fn delivery_of(entry: &redis::streams::StreamId) -> Result<Delivery, EngineError> {
    let text: String = entry
        .get(DELIVERY_FIELD)
        .ok_or_else(|| EngineError::Corrupt(anyhow!("delivery without body")))?;
    let delivery: Delivery = from_json(&text)?;
    Ok(Delivery {
        id: entry.id.clone(),
        ..delivery
    })
}

pub(super) async fn list_deliveries(
    engine: &RedisEngine,
    webhook: WebhookId,
    page: &PageRequest,
) -> Result<Page<Delivery>, EngineError> {
    let mut conn = engine.conn().await?;
    let stream = engine.keys.deliveries(webhook);
    let end = page
        .cursor
        .as_ref()
        .map_or("+".to_owned(), |c| format!("({c}"));
    let count = page.limit.saturating_add(1).min(SCAN_BATCH);
    let reply: StreamRangeReply = timed(
        "list_deliveries",
        conn.xrevrange_count(&stream, &end, "-", count),
    )
    .await?;
    let mut pager = Pager::new(page.limit);
    for entry in &reply.ids {
        if pager
            .offer(delivery_of(entry)?, |d| d.id.clone())
            .is_break()
        {
            break;
        }
    }
    Ok(pager.finish())
}

pub(super) async fn get_delivery(
    engine: &RedisEngine,
    webhook: WebhookId,
    id: &str,
) -> Result<Option<Delivery>, EngineError> {
    // Stream ids are `{ms}-{n}`; anything else names no delivery (and would be a
    // Redis error as a range bound).
    if event_id(id).is_none() {
        return Ok(None);
    }
    let mut conn = engine.conn().await?;
    let reply: StreamRangeReply = timed(
        "get_delivery",
        conn.xrange_count(engine.keys.deliveries(webhook), id, id, 1),
    )
    .await?;
    reply.ids.first().map(delivery_of).transpose()
}
