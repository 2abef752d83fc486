//! The in-process back end: one `Mutex<State>` per node. Every trait method is one
//! critical section, which is what makes each write atomic; no `.await` happens while
//! the lock is held, so a `std` mutex is the right (cheaper) lock.
//!
//! # Layout
//!
//! The files follow the trait's sections, in its CRUD order:
//!
//! - `mod.rs`: [`MemoryEngine`] and the [`State`] every section works on;
//! - `store.rs`: `impl Store`, one hand-off per method, in the trait's order: the
//!   table of contents;
//! - `clients.rs`: clients and their keys (rotation, revocation, tombstones);
//! - `users.rs`, `rooms.rs`, `members.rs`, `messages.rs`, `notifications.rs`,
//!   `analytics.rs`, `events.rs`: the other
//!   sections of `Store`, each as `impl State` methods that run under the lock;
//! - `broker.rs`: `impl Broker`, in-process delivery to this node's sink (with the
//!   same subscription semantics as Redis pub/sub);
//! - `presence.rs`: `impl Presence`.
//!
//! The rules both back ends share (paging, history windows, retention) are in
//! `engine::rules`; this engine only does the bookkeeping around them.

mod analytics;
mod broker;
mod clients;
mod events;
mod members;
mod messages;
mod notifications;
mod presence;
mod rooms;
mod store;
mod users;

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, VecDeque},
    sync::{Mutex, MutexGuard},
};

use chrono::{DateTime, Utc};

use super::EngineError;
use crate::domain::{
    analytics::{HourUsage, NodeLoad},
    client::Client,
    ids::{ClientId, MessageId, NotificationId, RoomId, SessionId, UserId},
    keys::{KeyDigest, KeyRecord},
    message::Message,
    notification::Notification,
    room::{Member, Room, RoomStats},
    security_event::SecurityEvent,
    user::User,
};

/// The embedded single-node store.
#[derive(Default)]
pub struct MemoryEngine {
    state: Mutex<State>,
}

/// Everything the node stores, behind the one lock. Each field is owned by one
/// section file; the indexes beside the records exist only so listings page in order.
#[derive(Default)]
struct State {
    clients: HashMap<ClientId, Client>,
    users: HashMap<UserId, User>,
    /// Every key record by digest: live, expired, and revoked until purged.
    keys: HashMap<KeyDigest, KeyRecord>,
    /// The live key of each client and user.
    live_master: HashMap<ClientId, KeyDigest>,
    live_user: HashMap<UserId, KeyDigest>,
    /// Tombstones in revocation order, so purging pops from the front.
    tombstones: VecDeque<(DateTime<Utc>, KeyDigest)>,
    /// Uniqueness indexes: (client, lower-cased value) → user.
    emails: HashMap<(ClientId, String), UserId>,
    usernames: HashMap<(ClientId, String), UserId>,
    /// Each client's users by [`User::order_key`], for paging.
    user_order: BTreeMap<(ClientId, String), UserId>,
    /// Each client's events, oldest first, numbered; the number is the cursor.
    events: HashMap<ClientId, VecDeque<(u64, SecurityEvent)>>,
    next_event: u64,
    rooms: HashMap<RoomId, RoomState>,
    /// Each client's rooms by [`Room::order_key`], for paging.
    room_order: BTreeMap<(ClientId, String), RoomId>,
    /// Each user's rooms, ordered by id (the cursor of `list_user_rooms`).
    user_rooms: HashMap<UserId, BTreeSet<RoomId>>,
    /// The direct room of each pair of users (smaller id first).
    direct_pairs: HashMap<(UserId, UserId), RoomId>,
    /// Where each message lives: room and `seq`.
    message_index: HashMap<MessageId, (RoomId, u64)>,
    /// Every notification, once.
    notifications: HashMap<NotificationId, Notification>,
    /// Each user's inbox.
    inboxes: HashMap<UserId, notifications::Inbox>,
    /// Each room's live sessions.
    presence: HashMap<RoomId, HashMap<(UserId, SessionId), PresenceEntry>>,
    /// Each client's usage by hour.
    usage: HashMap<(ClientId, i64), HourUsage>,
    /// Each node's latest load report per client, and until when it counts as live.
    live: HashMap<(ClientId, String), (NodeLoad, DateTime<Utc>)>,
    /// Every live connection, in no room: who is connected at all.
    connections: HashMap<(UserId, SessionId), PresenceEntry>,
    /// Rate-limit buckets by name: the arrival time (ms) at which each is full again.
    rate_buckets: HashMap<String, u64>,
    /// This node's subscriptions and sink: under the same lock, so an append announces
    /// its `seq` in the step that assigned it.
    broker: broker::LocalBroker,
}

/// Which node holds a session, and until when it counts as online.
type PresenceEntry = (String, DateTime<Utc>);

/// One room with everything stored under it.
struct RoomState {
    room: Room,
    members: HashMap<UserId, Member>,
    /// Members by [`Membership::order_key`](crate::domain::room::Membership::order_key),
    /// for paging.
    member_order: BTreeMap<String, UserId>,
    /// Message `seq` n is at index n - 1: seqs have no gaps.
    messages: Vec<Message>,
    last_message_at: Option<DateTime<Utc>>,
    /// `client_msg_id` → (`seq`, when sent), for idempotent resends.
    /// `(sender, client_msg_id)` → the `seq` sent with it, and when: an id is its
    /// sender's (`None`: the master key's system messages).
    client_msg_ids: HashMap<(Option<UserId>, String), (u64, DateTime<Utc>)>,
}

impl RoomState {
    fn new(room: Room) -> Self {
        Self {
            room,
            members: HashMap::new(),
            member_order: BTreeMap::new(),
            messages: Vec::new(),
            last_message_at: None,
            client_msg_ids: HashMap::new(),
        }
    }

    fn stats(&self) -> RoomStats {
        RoomStats {
            member_count: self.members.len() as u64,
            last_seq: self.messages.len() as u64,
            last_message_at: self.last_message_at,
        }
    }

    fn message(&self, seq: u64) -> Option<&Message> {
        let index = usize::try_from(seq).ok()?.checked_sub(1)?;
        self.messages.get(index)
    }

    fn message_mut(&mut self, seq: u64) -> Option<&mut Message> {
        let index = usize::try_from(seq).ok()?.checked_sub(1)?;
        self.messages.get_mut(index)
    }
}

impl MemoryEngine {
    pub fn new() -> Self {
        Self::default()
    }

    /// A poisoned lock means a panic mid-write; the state may be half-changed, so the
    /// honest answer is an internal error rather than carrying on.
    fn state(&self) -> Result<MutexGuard<'_, State>, EngineError> {
        self.state
            .lock()
            .map_err(|_| EngineError::Corrupt(anyhow::anyhow!("memory store lock poisoned")))
    }
}

/// A client's entries of an order index (keyed by client and order key), in order,
/// after the page's cursor.
fn after_cursor<'a, V>(
    index: &'a BTreeMap<(ClientId, String), V>,
    client: ClientId,
    page: &crate::domain::page::PageRequest,
) -> impl Iterator<Item = &'a V> {
    use std::ops::Bound;
    let start = match &page.cursor {
        Some(cursor) => Bound::Excluded((client, cursor.clone())),
        None => Bound::Included((client, String::new())),
    };
    index
        .range((start, Bound::Unbounded))
        .take_while(move |((owner, _), _)| *owner == client)
        .map(|(_, value)| value)
}
