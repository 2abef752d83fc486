//! Security events: per client, a stream trimmed to the retention window as it is
//! written; the entry id is the listing's cursor, since the stream is read newest first.

use anyhow::anyhow;
use chrono::Utc;
use redis::{streams::StreamRangeReply, AsyncCommands};

use super::{records::*, timed, RedisEngine, EVENT_FIELD, SCAN_BATCH};
use crate::{
    domain::{
        ids::ClientId,
        page::{Page, PageRequest},
        security_event::{EventFilter, SecurityEvent},
    },
    engine::{
        rules::{
            paging::Pager,
            retention::{event_horizon, event_kept},
        },
        EngineError,
    },
};

pub(super) async fn record_event(
    engine: &RedisEngine,
    event: &SecurityEvent,
) -> Result<(), EngineError> {
    let horizon = event_horizon(event.at).timestamp_millis().to_string();
    let mut conn = engine.conn().await?;
    let _: String = timed(
        "record_event",
        redis::cmd("XADD")
            .arg(engine.keys.events(event.client_id))
            .arg("MINID")
            .arg("~")
            .arg(horizon)
            .arg("*")
            .arg(EVENT_FIELD)
            .arg(to_json(event)?)
            .query_async(&mut conn),
    )
    .await?;
    Ok(())
}

pub(super) async fn list_events(
    engine: &RedisEngine,
    client: ClientId,
    filter: &EventFilter,
    page: &PageRequest,
) -> Result<Page<SecurityEvent>, EngineError> {
    let mut conn = engine.conn().await?;
    let stream = engine.keys.events(client);
    let horizon = event_horizon(Utc::now());
    let mut end = page
        .cursor
        .as_ref()
        .map_or("+".to_owned(), |c| format!("({c}"));
    let mut pager = Pager::new(page.limit);
    loop {
        let reply: StreamRangeReply = timed(
            "list_events",
            conn.xrevrange_count(&stream, &end, "-", SCAN_BATCH),
        )
        .await?;
        let Some(oldest) = reply.ids.last() else {
            break;
        };
        end = format!("({}", oldest.id);
        let exhausted = reply.ids.len() < SCAN_BATCH;
        for entry in &reply.ids {
            let text: String = entry
                .get(EVENT_FIELD)
                .ok_or_else(|| EngineError::Corrupt(anyhow!("event without body")))?;
            let event: SecurityEvent = from_json(&text)?;
            // Newest first, so the first event past the horizon ends the listing:
            // `MINID ~` trims lazily, and what it left is older still.
            if !event_kept(&event, horizon) {
                return Ok(pager.finish());
            }
            if !filter.matches(&event) {
                continue;
            }
            if pager.offer(event, |_| entry.id.clone()).is_break() {
                return Ok(pager.finish());
            }
        }
        if exhausted {
            break;
        }
    }
    Ok(pager.finish())
}
