//! The delivery worker, one per node. Every [`POLL`] it looks at the webhooks with
//! something waiting and, for each it is not already working, tries to claim the
//! head of the outbox. A claim holds the webhook's lease, so across all nodes one
//! attempt at a time is made per webhook; each attempt runs in its own task, so a
//! slow receiver delays only its own webhook, never chat traffic or other webhooks.
//! A node killed mid-attempt leaves the head in the store, and its lease lapses: the
//! next node to claim it sends it again (at least once; receivers de-duplicate by
//! `X-ChatAPI-Event-Id`).

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{
    address, events::message_created, sign::signature, WebhookSettings, ATTEMPT_TIMEOUT,
    CONNECT_TIMEOUT, LEASE, MAX_BACKOFF, RETRY_FOR,
};
use crate::{
    core::actors::cluster::NodeInfo,
    domain::{
        ids::WebhookId,
        message::Message,
        webhook::{Claimed, Delivery, DeliveryStatus, OutboxEntry, Settle, Webhook},
    },
    engine::SharedEngine,
};

/// How often a worker looks for work.
pub const POLL: Duration = Duration::from_millis(100);
/// Errors are cut to this many characters in the log.
const MAX_ERROR_CHARS: usize = 300;

/// Starts this node's worker; it runs as long as the node.
pub fn start_worker(engine: SharedEngine, node: Arc<NodeInfo>, settings: WebhookSettings) {
    let working: Arc<Mutex<HashSet<WebhookId>>> = Arc::default();
    actix::spawn(async move {
        let mut ticks = tokio::time::interval(POLL);
        loop {
            ticks.tick().await;
            let pending = match engine.pending_webhooks().await {
                Ok(pending) => pending,
                Err(err) => {
                    tracing::debug!(error = %err, "webhook outboxes not read");
                    continue;
                }
            };
            for webhook in pending {
                let fresh = working
                    .lock()
                    .map(|mut set| set.insert(webhook))
                    .unwrap_or(false);
                if !fresh {
                    continue;
                }
                let (engine, node, working) = (engine.clone(), node.clone(), working.clone());
                actix::spawn(async move {
                    work(&engine, &node, settings, webhook).await;
                    if let Ok(mut set) = working.lock() {
                        set.remove(&webhook);
                    }
                });
            }
        }
    });
}

/// Sends heads of one outbox while they are due and this node can claim them.
async fn work(engine: &SharedEngine, node: &NodeInfo, settings: WebhookSettings, id: WebhookId) {
    loop {
        let claimed = match engine.claim_outbox(id, &node.name, LEASE).await {
            Ok(Some(claimed)) => claimed,
            Ok(None) => return,
            Err(err) => return tracing::warn!(error = %err, webhook_id = %id, "outbox not claimed"),
        };
        let webhook = match engine.get_webhook(id).await {
            Ok(Some(webhook)) => webhook,
            Ok(None) => return,
            Err(err) => return tracing::warn!(error = %err, webhook_id = %id, "webhook not read"),
        };
        let (delivery, settle) = attempt(&webhook, &claimed, settings).await;
        tracing::info!(
            webhook_id = %id,
            event_id = %delivery.event_id,
            attempt = delivery.attempt,
            status = ?delivery.status,
            "webhook attempt"
        );
        match engine
            .settle_outbox(id, &node.name, &delivery, settle)
            .await
        {
            Ok(true) => {}
            Ok(false) => return tracing::warn!(webhook_id = %id, "lease lapsed mid-attempt"),
            Err(err) => {
                return tracing::warn!(error = %err, webhook_id = %id, "attempt not settled")
            }
        }
        if matches!(settle, Settle::RetryAt(_)) {
            return;
        }
    }
}

/// The body to send, its event id and name, and when the event happened.
fn body_of(
    webhook: &Webhook,
    entry: &OutboxEntry,
) -> Option<(String, String, String, DateTime<Utc>)> {
    let body: Value = match entry {
        OutboxEntry::Message { seq, message } => {
            let mut message: Message = serde_json::from_str(message).ok()?;
            message.seq = *seq;
            message_created(webhook.client_id, &message)
        }
        OutboxEntry::Event(body) => serde_json::from_str(body).ok()?,
    };
    let id = body.get("id")?.as_str()?.to_owned();
    let event = body.get("event")?.as_str()?.to_owned();
    let at = body
        .get("created_at")
        .and_then(Value::as_str)
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .map_or_else(Utc::now, |at| at.with_timezone(&Utc));
    Some((body.to_string(), id, event, at))
}

/// One attempt: the log entry, and what to do with the head.
async fn attempt(
    webhook: &Webhook,
    claimed: &Claimed,
    settings: WebhookSettings,
) -> (Delivery, Settle) {
    let attempt = claimed.attempts + 1;
    let now = Utc::now();
    let mut delivery = Delivery {
        id: String::new(),
        webhook_id: webhook.id,
        event_id: String::new(),
        event: String::new(),
        attempt,
        status: DeliveryStatus::Failed,
        response_code: None,
        latency_ms: 0,
        error: None,
        at: now,
        entry: claimed.entry.encode(),
    };
    let Some((body, event_id, event, happened)) = body_of(webhook, &claimed.entry) else {
        // An entry no worker can read will never be sent: give it up at once.
        delivery.status = DeliveryStatus::GaveUp;
        delivery.error = Some("unreadable outbox entry".to_owned());
        return (delivery, Settle::Done);
    };
    delivery.event_id = event_id.clone();
    delivery.event = event;
    let started = Instant::now();
    let outcome = post(webhook, &body, &event_id, settings).await;
    delivery.latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match outcome {
        Ok(code) if (200..300).contains(&code) => {
            delivery.status = DeliveryStatus::Succeeded;
            delivery.response_code = Some(code);
            return (delivery, Settle::Done);
        }
        Ok(code) => {
            delivery.response_code = Some(code);
            delivery.error = Some(format!("answered {code}"));
        }
        Err(error) => delivery.error = Some(error.chars().take(MAX_ERROR_CHARS).collect()),
    }
    let next = now
        + chrono::Duration::from_std(backoff(settings.retry_base, attempt)).unwrap_or(RETRY_FOR);
    if next > happened + RETRY_FOR {
        delivery.status = DeliveryStatus::GaveUp;
        (delivery, Settle::Done)
    } else {
        (delivery, Settle::RetryAt(next))
    }
}

/// The wait after the `attempt`-th failure: `base`, doubling, at most
/// [`MAX_BACKOFF`], each between 80 % and 120 % of that at random, so receivers
/// coming back are not met by every sender at once.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let doubled = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    doubled
        .min(MAX_BACKOFF)
        .mul_f64(rand::random_range(0.8..1.2))
}

/// Sends the body to the addresses the URL resolves to now, checked again (DNS may
/// have changed since creation); answers the status code.
async fn post(
    webhook: &Webhook,
    body: &str,
    event_id: &str,
    settings: WebhookSettings,
) -> Result<u16, String> {
    let target = address::check(&webhook.url, settings.allow_private).await?;
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(ATTEMPT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .resolve_to_addrs(&target.host, &target.addrs)
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))?;
    let response = client
        .post(target.url)
        .header("Content-Type", "application/json")
        .header("X-ChatAPI-Event-Id", event_id)
        .header(
            "X-ChatAPI-Signature",
            signature(&webhook.secret, Utc::now().timestamp(), body),
        )
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "timed out".to_owned()
            } else {
                format!("{e}")
            }
        })?;
    Ok(response.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let base = Duration::from_secs(1);
        let first = backoff(base, 1);
        assert!(first >= Duration::from_millis(800) && first <= Duration::from_millis(1200));
        let third = backoff(base, 3);
        assert!(third >= Duration::from_millis(3200) && third <= Duration::from_millis(4800));
        assert!(backoff(base, 40) <= MAX_BACKOFF.mul_f64(1.2));
    }
}
