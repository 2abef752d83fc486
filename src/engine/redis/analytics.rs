//! Analytics in Redis: per client and hour, a hash of counters and a set of the
//! users who sent; per client, a hash of each node's latest load report. Messages are
//! counted by `append_message.lua`; a node's report is one script per client.

use chrono::{DateTime, TimeZone, Utc};
use redis::AsyncCommands;

use super::{next_reply, replies, timed, unexpected, RedisEngine};
use crate::{
    domain::{
        analytics::{hour_of, ClientLoad, Counter, HourUsage, NodeLoad, USAGE_RETENTION_SECS},
        ids::{ClientId, UserId},
    },
    engine::EngineError,
};

pub(super) async fn count(
    engine: &RedisEngine,
    client: ClientId,
    counter: Counter,
    at: DateTime<Utc>,
) -> Result<(), EngineError> {
    let field = match counter {
        Counter::UserCreated => "users",
        Counter::RoomCreated => "rooms",
    };
    let key = engine.keys.usage(client, hour_of(at));
    let mut pipe = redis::pipe();
    pipe.hincr(&key, field, 1).ignore();
    pipe.expire(&key, USAGE_RETENTION_SECS).ignore();
    let mut conn = engine.conn().await?;
    replies(&mut conn, &pipe).await.map(drop)
}

pub(super) async fn record_load(
    engine: &RedisEngine,
    node: &str,
    at: DateTime<Utc>,
    interval: std::time::Duration,
    fresh: std::time::Duration,
    loads: &[ClientLoad],
) -> Result<(), EngineError> {
    let now = at.timestamp_millis();
    let fresh_ms = i64::try_from(fresh.as_millis()).unwrap_or(i64::MAX / 2);
    let mut conn = engine.conn().await?;
    for load in loads {
        let per_sec = load.sent as f64 / interval.as_secs_f64().max(0.001);
        let value = format!("{}|{per_sec}|{now}|{}", load.connections, now + fresh_ms);
        let _: u64 = timed(
            "record_load",
            engine
                .scripts
                .record_load
                .key(engine.keys.live_load(load.client))
                .key(engine.keys.usage(load.client, hour_of(at)))
                .arg(node)
                .arg(value)
                .arg(now)
                .arg(load.delivered)
                .arg(USAGE_RETENTION_SECS)
                .arg(fresh_ms)
                .invoke_async(&mut conn),
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn usage(
    engine: &RedisEngine,
    client: ClientId,
    from: i64,
    to: i64,
) -> Result<Vec<HourUsage>, EngineError> {
    let mut pipe = redis::pipe();
    for hour in from..=to {
        pipe.hgetall(engine.keys.usage(client, hour));
        pipe.smembers(engine.keys.active(client, hour));
    }
    let mut conn = engine.conn().await?;
    let mut replies = replies(&mut conn, &pipe).await?;
    let mut hours = Vec::new();
    for hour in from..=to {
        let counters: std::collections::HashMap<String, u64> = next_reply(&mut replies)?;
        let active: Vec<String> = next_reply(&mut replies)?;
        let counter = |name: &str| counters.get(name).copied().unwrap_or(0);
        hours.push(HourUsage {
            hour,
            users: counter("users"),
            rooms: counter("rooms"),
            messages_sent: counter("messages_sent"),
            messages_delivered: counter("messages_delivered"),
            peak_connections: counter("peak_connections"),
            active: active.iter().filter_map(|id| UserId::parse(id)).collect(),
        });
    }
    Ok(hours)
}

pub(super) async fn live_load(
    engine: &RedisEngine,
    client: ClientId,
) -> Result<Vec<NodeLoad>, EngineError> {
    let mut conn = engine.conn().await?;
    let reports: std::collections::BTreeMap<String, String> =
        timed("live_load", conn.hgetall(engine.keys.live_load(client))).await?;
    let now = Utc::now().timestamp_millis();
    let mut loads = Vec::new();
    for (node, report) in reports {
        let bad = || unexpected("a live-load report", &report);
        let parts: Vec<&str> = report.split('|').collect();
        let [connections, per_sec, at, until] = parts.as_slice() else {
            return Err(bad());
        };
        let until: i64 = until.parse().map_err(|_| bad())?;
        if until <= now {
            continue;
        }
        let at: i64 = at.parse().map_err(|_| bad())?;
        loads.push(NodeLoad {
            node,
            connections: connections.parse().map_err(|_| bad())?,
            messages_per_sec: per_sec.parse().map_err(|_| bad())?,
            at: Utc.timestamp_millis_opt(at).single().ok_or_else(bad)?,
        });
    }
    Ok(loads)
}
