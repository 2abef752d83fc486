//! The Redis back end: state shared by every node. Commands go over a few multiplexed
//! connections (redis's `ConnectionManager`: concurrent commands share one socket,
//! pipelined, and a dropped connection is re-opened by itself); every command has a
//! deadline, and every connection-level failure becomes [`EngineError::Unavailable`],
//! so an outage is a 503 and the node recovers by itself when Redis returns.
//!
//! Not a pool such as deadpool-redis': it checks every connection out with an
//! `UNWATCH` + `PING` round trip, which doubled the round trips of every request.
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
mod pending;
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
use redis::{
    aio::{ConnectionManager, ConnectionManagerConfig},
    AsyncCommands, FromRedisValue, Pipeline, RedisError, RedisResult,
};
use tokio::sync::mpsc::UnboundedSender;

use self::{keys::Keys, records::from_json, scripts::Scripts};
use super::EngineError;

/// How long one command may take before the store counts as unavailable.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Connections per node, used in turn: each pipelines every command given to it, so a
/// few keep both cores busy.
const CONNECTIONS: usize = 4;
/// Entries read per round trip when a listing filters.
const SCAN_BATCH: usize = 200;
/// Field of a security event's stream entry that holds its JSON.
const EVENT_FIELD: &str = "e";
/// Fields of `room:{id}:state`; `append_message.lua` writes them under the same names.
const STATE_SEQ: &str = "seq";
const STATE_LAST_MESSAGE_AT: &str = "last_message_at";

pub struct RedisEngine {
    connections: Vec<ConnectionManager>,
    /// Which connection the next command takes.
    next: std::sync::atomic::AtomicUsize,
    /// For the dedicated subscriber connection, which a pool cannot give.
    client: redis::Client,
    keys: Keys,
    scripts: Scripts,
    /// Commands to the subscriber task, once `start_broker` has started it.
    subscriber: std::sync::OnceLock<UnboundedSender<pubsub::Command>>,
    /// Which shards the delivery worker's next look for pending outboxes reads.
    pending: pending::PendingScan,
}

impl RedisEngine {
    /// Builds the connections; none is opened until first use, so a node starts even
    /// while Redis is down and reports itself not ready.
    pub fn new(url: &str, prefix: &str) -> Result<Self, EngineError> {
        let client = redis::Client::open(url)
            .map_err(|e| EngineError::Unavailable(anyhow!("bad Redis URL: {e}")))?;
        // One attempt per use: a command waits for at most one reconnection, and its
        // deadline (`timed`) answers 503 if Redis is still away.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT));
        let connections = (0..CONNECTIONS)
            .map(|_| ConnectionManager::new_lazy_with_config(client.clone(), config.clone()))
            .collect::<RedisResult<Vec<_>>>()
            .map_err(|e| EngineError::Unavailable(anyhow!("cannot set up Redis: {e}")))?;
        Ok(Self {
            connections,
            next: std::sync::atomic::AtomicUsize::new(0),
            client,
            keys: Keys::new(prefix),
            scripts: Scripts::load(),
            subscriber: std::sync::OnceLock::new(),
            pending: pending::PendingScan::default(),
        })
    }

    /// The next connection in turn (a cheap handle to a shared one).
    async fn conn(&self) -> Result<ConnectionManager, EngineError> {
        let turn = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.connections
            .get(turn % CONNECTIONS)
            .cloned()
            .ok_or_else(|| EngineError::Unavailable(anyhow!("no Redis connection")))
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
async fn replies(conn: &mut ConnectionManager, pipe: &Pipeline) -> Result<Replies, EngineError> {
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
