//! Usage analytics (`API.md` §7): per client, counters by the hour, and each node's
//! load now. Hours are numbered from the Unix epoch, so every node and both back
//! ends name the same bucket the same way.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::ids::{ClientId, UserId};

pub const HOUR_SECS: i64 = 3600;
/// How long hourly counters are kept.
pub const USAGE_RETENTION_SECS: i64 = 400 * 24 * HOUR_SECS;

/// The hour `at` falls in.
pub fn hour_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(HOUR_SECS)
}

/// One client's usage in one hour.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HourUsage {
    pub hour: i64,
    /// Users created.
    pub users: u64,
    /// Rooms created.
    pub rooms: u64,
    pub messages_sent: u64,
    /// Message frames handed to WebSocket connections.
    pub messages_delivered: u64,
    /// The most connections the client had at once (sampled by every node's report).
    pub peak_connections: u64,
    /// The users who sent a message: a set, so days count each user once.
    pub active: BTreeSet<UserId>,
}

/// What one record counts, outside the send path (which counts inside the append).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    UserCreated,
    RoomCreated,
}

/// One node's report on one client since its previous report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientLoad {
    pub client: ClientId,
    /// Connections open now.
    pub connections: u64,
    /// Message frames delivered since the last report.
    pub delivered: u64,
    /// Messages this node appended since the last report.
    pub sent: u64,
}

/// One node's latest report on one client.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeLoad {
    pub node: String,
    pub connections: u64,
    pub messages_per_sec: f64,
    pub at: DateTime<Utc>,
}
