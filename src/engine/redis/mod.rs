//! The Redis back end: state shared by every node. Commands go through a deadpool
//! pool; every command has a deadline, and every connection-level failure becomes
//! [`EngineError::Unavailable`], so an outage is a 503 and the node recovers by itself
//! when Redis returns (the pool drops dead connections on checkout).
//!
//! # Layout
//!
//! The files follow the trait's sections, in its CRUD order:
//!
//! - `mod.rs`: [`RedisEngine`], the pool, deadlines, error sorting, pipeline replies;
//! - `store.rs`: `impl Store`, one hand-off per method, in the trait's order: the
//!   table of contents;
//! - `clients.rs`, `users.rs`, `rooms.rs`, `members.rs`, `messages.rs`,
//!   `notifications.rs`, `webhooks.rs`, `analytics.rs`, `events.rs`: the sections of `Store`, as functions taking the engine;
//! - `pubsub.rs`: `impl Broker` and the node's one subscriber connection;
//! - `presence.rs`: `impl Presence`;
//! - `keys.rs` (every key name), `records.rs` (how records are encoded),
//!   `scripts.rs` + `scripts/*.lua` (the atomic multi-key writes), `pages.rs`
//!   (paging through an ordered set), `purge.rs` (what a deletion leaves, removed in
//!   bounded chunks).
//!
//! The rules both back ends share (paging, history windows, retention) are in
//! `engine::rules`; this engine only does the I/O around them.

mod analytics;
mod clients;
mod events;
mod keys;
mod members;
mod messages;
mod notifications;
mod pages;
mod presence;
mod pubsub;
mod purge;
mod reads;
mod records;
mod rooms;
mod scripts;
mod store;
mod users;
mod webhooks;

use std::{future::Future, time::Duration};

use anyhow::anyhow;
use deadpool_redis::{Config, Connection, Pool, PoolConfig, Runtime, Timeouts};
use redis::{AsyncCommands, FromRedisValue, Pipeline, RedisError, RedisResult};
use tokio::sync::mpsc::UnboundedSender;

use self::{keys::Keys, records::from_json, scripts::Scripts};
use super::EngineError;

/// How long one command may take before the store counts as unavailable.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// How long to wait for a pooled connection, or to open one.
const POOL_TIMEOUT: Duration = Duration::from_secs(2);
/// Connections per node: commands are pipelined per connection, so a few suffice.
const POOL_SIZE: usize = 32;
/// Entries read per round trip when a listing filters.
const SCAN_BATCH: usize = 200;
/// Field of a security event's stream entry that holds its JSON.
const EVENT_FIELD: &str = "e";
/// Fields of `room:{id}:state`; `append_message.lua` writes them under the same names.
const STATE_SEQ: &str = "seq";
const STATE_LAST_MESSAGE_AT: &str = "last_message_at";

pub struct RedisEngine {
    pool: Pool,
    /// For the dedicated subscriber connection, which a pool cannot give.
    client: redis::Client,
    keys: Keys,
    scripts: Scripts,
    /// Commands to the subscriber task, once `start_broker` has started it.
    subscriber: std::sync::OnceLock<UnboundedSender<pubsub::Command>>,
}

impl RedisEngine {
    /// Builds the pool; no connection is made until first use, so a node starts even
    /// while Redis is down and reports itself not ready.
    pub fn new(url: &str, prefix: &str) -> Result<Self, EngineError> {
        let mut config = Config::from_url(url);
        config.pool = Some(PoolConfig {
            max_size: POOL_SIZE,
            timeouts: Timeouts {
                wait: Some(POOL_TIMEOUT),
                create: Some(POOL_TIMEOUT),
                recycle: Some(POOL_TIMEOUT),
            },
            ..PoolConfig::default()
        });
        let pool = config
            .create_pool(Some(Runtime::Tokio1))
            .map_err(|e| EngineError::Unavailable(anyhow!("cannot build the Redis pool: {e}")))?;
        let client = redis::Client::open(url)
            .map_err(|e| EngineError::Unavailable(anyhow!("bad Redis URL: {e}")))?;
        Ok(Self {
            pool,
            client,
            keys: Keys::new(prefix),
            scripts: Scripts::load(),
            subscriber: std::sync::OnceLock::new(),
        })
    }

    async fn conn(&self) -> Result<Connection, EngineError> {
        self.pool
            .get()
            .await
            .map_err(|e| EngineError::Unavailable(anyhow!("no Redis connection: {e}")))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        key: String,
    ) -> Result<Option<T>, EngineError> {
        let mut conn = self.conn().await?;
        let text: Option<String> = timed("get_record", conn.get(key)).await?;
        text.map(|t| from_json(&t)).transpose()
    }
}

/// A pipeline's replies, taken in the order their commands were queued.
type Replies = std::vec::IntoIter<redis::Value>;

/// Sends a pipeline and hands back its replies.
async fn replies(conn: &mut Connection, pipe: &Pipeline) -> Result<Replies, EngineError> {
    let replies: Vec<redis::Value> = timed("read_batch", pipe.query_async(conn)).await?;
    Ok(replies.into_iter())
}

/// The next reply, as `T`.
fn next_reply<T: FromRedisValue>(replies: &mut Replies) -> Result<T, EngineError> {
    let value = replies
        .next()
        .ok_or_else(|| EngineError::Corrupt(anyhow!("a pipeline answered too few replies")))?;
    redis::from_redis_value(value)
        .map_err(|e| EngineError::Corrupt(anyhow!("unexpected reply from Redis: {e}")))
}

/// Runs one Redis call with a deadline, records its latency under `op` (the engine
/// method that makes it), and sorts its failure.
async fn timed<T>(
    op: &'static str,
    call: impl Future<Output = RedisResult<T>>,
) -> Result<T, EngineError> {
    let _timer = crate::metrics::time_store(op);
    match tokio::time::timeout(COMMAND_TIMEOUT, call).await {
        Ok(result) => result.map_err(classify),
        Err(_) => Err(EngineError::Unavailable(anyhow!(
            "Redis did not answer in time"
        ))),
    }
}

/// Connection trouble and the server's "not now" answers (loading, out of memory
/// under `noeviction`, read-only replica) are outages; anything else is a fault.
fn classify(err: RedisError) -> EngineError {
    let transient_code = matches!(
        err.code(),
        Some("LOADING" | "OOM" | "READONLY" | "MASTERDOWN" | "TRYAGAIN" | "CLUSTERDOWN" | "BUSY")
    );
    if err.is_io_error()
        || err.is_connection_refusal()
        || err.is_connection_dropped()
        || err.is_timeout()
        || transient_code
    {
        EngineError::Unavailable(err.into())
    } else {
        EngineError::Corrupt(err.into())
    }
}

fn unexpected(script: &str, reply: &str) -> EngineError {
    EngineError::Corrupt(anyhow!("{script} answered {reply:?}"))
}
