//! What nodes tell each other through the broker. Room channels carry, besides the
//! `{"seq": N, "message": …}` notices the store publishes with each append, the
//! encoded frames of every other room event; the control channel carries what every
//! node must act on.

use std::{sync::Arc, time::Duration};

use serde::{Deserialize, Serialize};

use super::messages::CloseReason;
use crate::core::sockets::SocketSlots;
use crate::domain::{
    ids::{ClientId, NodeId, RoomId, UserId},
    keys::KeyDigest,
    message::Message,
    room::Inactivity,
};
use crate::{
    core::{analytics::Tally, auth::CallerCache, limits::RateLimits},
    metrics::Metrics,
};

/// This node, as the real-time core needs to know it.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    /// Unique per start: tells this node's own broker payloads from others'.
    pub id: NodeId,
    /// `CHATAPI_NODE_ID` (the `node_name` setting), or the id: tags this node's
    /// presence entries, so it must be stable across restarts to clear them.
    pub name: String,
    /// How long a presence entry lives without a refresh.
    pub presence_ttl: Duration,
    /// Rooms with more members send no per-user `presence` frames.
    pub presence_events_max_members: u64,
    /// The abuse limits this node applies (the buckets are shared by all nodes).
    pub limits: RateLimits,
    /// What this node counts, for `GET /metrics`.
    pub metrics: Metrics,
    /// What this node counts for analytics between its reports.
    pub load: Arc<Tally>,
    /// When rooms count as inactive (`CHATAPI_INACTIVE_<TYPE>_DAYS`).
    pub inactivity: Inactivity,
    /// Callers of the keys in use here, so a request authenticates without a store
    /// read; kept true by the control channel.
    pub callers: Arc<CallerCache>,
    /// The WebSockets open here, against `CHATAPI_MAX_SOCKETS`.
    pub sockets: Arc<SocketSlots>,
}

/// A payload on a room channel.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RoomNotice {
    /// A message with this `seq` was appended (published by the store).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// That message as stored (its own `seq` 0, the notice's `seq` is its): delivered
    /// from here, without reading the store, when it is the next one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    /// The node that published an event frame; it has delivered it locally already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<NodeId>,
    /// An encoded event, sent to sessions as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<String>,
    /// The room was deleted: other nodes' actors forget it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// A member joined or left: other nodes re-read the room's member count.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub members_changed: bool,
}

/// A payload on the control channel.
#[derive(Debug, Serialize, Deserialize)]
pub struct ControlNotice {
    pub origin: NodeId,
    #[serde(flatten)]
    pub control: Control,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Control {
    /// Close the user's sockets, but those opened with the key `keep` (hex digest).
    CloseUser {
        user_id: UserId,
        keep: Option<String>,
        reason: CloseReason,
    },
    /// A user joined or left a room: (un)subscribe its sockets.
    Membership {
        room_id: RoomId,
        user_id: UserId,
        joined: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<u64>,
    },
    /// A user's callers (or, without a user, every caller of the client) changed:
    /// forget them from the node's caller cache.
    ForgetCallers {
        client_id: ClientId,
        user_id: Option<UserId>,
    },
    /// Send this encoded frame to every socket of these users.
    Notify {
        user_ids: Vec<UserId>,
        frame: String,
    },
}

impl Control {
    pub fn close_user(user_id: UserId, keep: Option<KeyDigest>, reason: CloseReason) -> Self {
        Control::CloseUser {
            user_id,
            keep: keep.map(|digest| digest.to_hex()),
            reason,
        }
    }
}
