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
        security_event::{EventFilter, SecurityEvent, RETENTION},
    },
    engine::EngineError,
};

pub(super) async fn record_event(
    engine: &RedisEngine,
    event: &SecurityEvent,
) -> Result<(), EngineError> {
    let horizon = (event.at - RETENTION).timestamp_millis().to_string();
    let mut conn = engine.conn().await?;
    let _: String = timed(
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
    let horizon = Utc::now() - RETENTION;
    let mut end = page
        .cursor
        .as_ref()
        .map_or("+".to_owned(), |c| format!("({c}"));
    let mut data = Vec::with_capacity(page.limit);
    let mut last_id = None;
    loop {
        let reply: StreamRangeReply =
            timed(conn.xrevrange_count(&stream, &end, "-", SCAN_BATCH)).await?;
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
            if event.at < horizon {
                return Ok(Page {
                    data,
                    next_cursor: None,
                });
            }
            if !filter.matches(&event) {
                continue;
            }
            if data.len() == page.limit {
                return Ok(Page {
                    data,
                    next_cursor: last_id,
                });
            }
            data.push(event);
            last_id = Some(entry.id.clone());
        }
        if exhausted {
            break;
        }
    }
    Ok(Page {
        data,
        next_cursor: None,
    })
}
