//! The storage seam. Everything a node stores goes through [`Store`]; two back ends
//! implement it: [`memory::MemoryEngine`] (the embedded single-node default) and
//! [`redis::RedisEngine`] (shared by any number of nodes). One is chosen at start-up
//! and used as `Arc<dyn Engine>`; the same contract tests run against both.
//!
//! Invariants every back end keeps, each write being atomic:
//! - a user or client has at most one live key, and replacing it revokes the old one
//!   in the same step, so there is no instant where both or neither work;
//! - emails and usernames are unique per client, compared case-insensitively;
//! - a deactivated or deleted user holds no live key, and a deleted one no membership;
//! - a room's messages are numbered 1, 2, 3… with no gap, each number given once.
//!
//! Cross-node delivery is the [`Broker`] beside `Store`: per-node subscriptions to
//! room channels and one control channel. The append that assigns a message's `seq`
//! also announces it on the room's channel, in the same step (with Redis, the same
//! script; in memory, the same critical section). The memory broker has one listener,
//! its own node, and otherwise keeps the Redis broker's contract.
//!
//! The rules both back ends share (paging and cursors, history windows, retention)
//! are written once, in `rules/`.

pub mod memory;
pub mod redis;
mod rules;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{
    analytics::{ClientLoad, Counter, HourUsage, NodeLoad},
    client::Client,
    ids::{ClientId, MessageId, NotificationId, RoomId, SessionId, UserId, WebhookId},
    keys::{KeyDigest, KeyRecord},
    message::{Appended, HistoryRange, Message},
    notification::{InboxEntry, InboxFilter, Notification},
    page::{Page, PageRequest},
    rate::{RateCheck, RateStatus},
    room::{Member, Membership, Room, RoomStats},
    security_event::{EventFilter, SecurityEvent},
    user::{User, UserFilter},
    webhook::{Claimed, Delivery, Settle, Webhook},
};

/// Why a store call failed. Each variant maps to one HTTP answer in `error.rs`.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store cannot be reached now (refused, timed out, loading): 503, retry.
    #[error("store unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    #[error("email already taken")]
    EmailTaken,
    #[error("username already taken")]
    UsernameTaken,
    /// The store answered something we cannot read: a bug or a foreign writer.
    #[error("store returned unreadable data: {0:#}")]
    Corrupt(anyhow::Error),
}

/// What a key rotation records in its own atomic step, so that a rotation and its
/// record cannot part: its security event, for a login the webhook event it causes
/// (its name and whole body), and the control notice that tells every node the old
/// key is dead (published on [`Topic::Control`]). Nothing is recorded or published
/// unless the key rotated, and no node can miss a rotation that happened.
#[derive(Debug, Clone, Copy)]
pub struct RotationRecord<'a> {
    pub event: &'a SecurityEvent,
    pub webhook: Option<(&'a str, &'a str)>,
    pub notice: &'a str,
}

/// The result of replacing an owner's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// The new key is live; the previous one (if any) is revoked.
    Rotated,
    /// The owner no longer exists.
    OwnerGone,
    /// The owner is deactivated; no key was issued.
    OwnerDisabled,
}

/// The outcome of adding a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddMember {
    /// Added when the room's last `seq` was `last_seq`: every later message is the
    /// new member's.
    Added {
        last_seq: u64,
    },
    AlreadyMember,
    /// The room holds `max_members` already.
    Full,
    /// The room no longer exists.
    RoomGone,
    /// The user no longer exists (deleted meanwhile).
    UserGone,
}

/// The outcome of a compare-and-set update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    Applied,
    /// The record changed (or vanished) since it was read; read again and retry.
    Stale,
}

/// Everything stored, CRUD-ordered per record kind. Both back ends mirror this order.
/// A revoked key keeps its record, marked `revoked_at`, for
/// [`RECORD_RETENTION`](crate::domain::keys::RECORD_RETENTION)
/// (and an expired one as long after its expiry), so a late use is attributed.
#[async_trait]
pub trait Store: Send + Sync {
    /// One round trip; `GET /ready` uses it.
    async fn ping(&self) -> Result<(), EngineError>;

    // --- clients -------------------------------------------------------------

    /// Stores a new client and makes `master_key` its live key.
    async fn create_client(
        &self,
        client: &Client,
        master_key: &KeyRecord,
    ) -> Result<(), EngineError>;
    async fn get_client(&self, id: ClientId) -> Result<Option<Client>, EngineError>;
    /// Overwrites the client's editable fields.
    async fn update_client(&self, client: &Client) -> Result<(), EngineError>;

    // --- keys ----------------------------------------------------------------

    /// The record of the key with this digest, live, expired or revoked.
    async fn find_key(&self, digest: &KeyDigest) -> Result<Option<KeyRecord>, EngineError>;
    /// The records of many keys at once, in the order asked (one round trip on
    /// Redis): how a node re-validates the keys of all its sessions.
    async fn find_keys(&self, digests: &[KeyDigest])
        -> Result<Vec<Option<KeyRecord>>, EngineError>;
    /// Makes `new_key` its owner's live key and revokes the previous one, and keeps
    /// `record`, atomically (one round trip on Redis); refuses if the owner is gone or
    /// deactivated.
    async fn rotate_key(
        &self,
        new_key: &KeyRecord,
        revoked_at: DateTime<Utc>,
        record: RotationRecord<'_>,
    ) -> Result<Rotation, EngineError>;
    /// Revokes the user's live key; with `only` set, only if that key is the live one.
    /// Returns whether a key was revoked.
    async fn revoke_user_key(
        &self,
        user: UserId,
        only: Option<&KeyDigest>,
        revoked_at: DateTime<Utc>,
    ) -> Result<bool, EngineError>;

    // --- users ---------------------------------------------------------------

    /// Stores a new user with `key` as its live key; `EmailTaken` / `UsernameTaken`
    /// when the client has one already.
    async fn create_user(&self, user: &User, key: &KeyRecord) -> Result<(), EngineError>;
    async fn get_user(&self, id: UserId) -> Result<Option<User>, EngineError>;
    /// The user behind one of the client's emails (its lower-cased key). With `rate`,
    /// a unit of that bucket is taken first, in the same step, and its status comes
    /// back; if the bucket refused, no user was read (`None`).
    async fn find_user_by_email(
        &self,
        client: ClientId,
        email_key: &str,
        rate: Option<&RateCheck>,
    ) -> Result<(Option<User>, Option<RateStatus>), EngineError>;
    /// The client's users in creation order.
    async fn list_users(
        &self,
        client: ClientId,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, EngineError>;
    /// Replaces `before` with `after` if the stored user still equals `before`. A
    /// deactivation revokes the live key in the same step.
    async fn update_user(
        &self,
        before: &User,
        after: &User,
        revoked_at: DateTime<Utc>,
    ) -> Result<Update, EngineError>;
    /// Deletes the user, revokes its key and removes its memberships; returns
    /// whether it existed.
    async fn delete_user(
        &self,
        user: &User,
        revoked_at: DateTime<Utc>,
    ) -> Result<bool, EngineError>;

    // --- rooms ---------------------------------------------------------------

    /// Stores a new room with its first members (the creator as owner, and any others).
    async fn create_room(&self, room: &Room, members: &[Membership]) -> Result<(), EngineError>;
    /// Stores a direct room for the two members unless the pair has one already;
    /// returns the pair's room id either way.
    async fn create_direct_room(
        &self,
        room: &Room,
        pair: &[Membership; 2],
    ) -> Result<RoomId, EngineError>;
    async fn get_room(&self, id: RoomId) -> Result<Option<(Room, RoomStats)>, EngineError>;
    /// The room with its counters and, when `user` is given, that user's membership
    /// (`None` if not a member), read in one step: one critical section in memory, one
    /// atomic round trip on Redis. A command that checks access before it writes thus
    /// sees the room and the membership as they were at the same instant, for the
    /// price of one read. `None` if the room does not exist.
    async fn get_room_with_member(
        &self,
        room: RoomId,
        user: Option<UserId>,
    ) -> Result<Option<(Room, RoomStats, Option<Member>)>, EngineError>;
    /// The client's rooms in creation order.
    async fn list_rooms(
        &self,
        client: ClientId,
        page: &PageRequest,
    ) -> Result<Page<(Room, RoomStats)>, EngineError>;
    /// Overwrites the room's editable fields.
    async fn update_room(&self, room: &Room) -> Result<(), EngineError>;
    /// Deletes the room, its memberships and its history; returns the members it had.
    async fn delete_room(&self, room: &Room) -> Result<Vec<UserId>, EngineError>;
    /// Finishes the room and user deletions that a node stopped in the middle of
    /// (their atomic first step done, what they left elsewhere not all removed), and
    /// answers how many. Every node calls it now and then. The memory engine's
    /// deletions are whole, so it finds none.
    async fn resume_deletions(&self) -> Result<usize, EngineError>;

    // --- members -------------------------------------------------------------

    /// Adds a member unless already one, the room holds `max_members`, or the room or
    /// the user is gone.
    async fn add_member(
        &self,
        membership: &Membership,
        max_members: u32,
    ) -> Result<AddMember, EngineError>;
    /// Removes a member; returns whether it was one.
    async fn remove_member(&self, room: RoomId, user: UserId) -> Result<bool, EngineError>;
    async fn get_member(&self, room: RoomId, user: UserId) -> Result<Option<Member>, EngineError>;
    /// The room's members in joining order.
    async fn list_members(
        &self,
        room: RoomId,
        page: &PageRequest,
    ) -> Result<Page<Member>, EngineError>;
    /// The rooms a user belongs to, with its membership in each.
    async fn list_user_rooms(
        &self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Page<(Room, RoomStats, Member)>, EngineError>;
    /// Moves the member's read position forward to `seq` (never back); returns the
    /// position after the call, or `None` if the user is not a member.
    async fn mark_read(
        &self,
        room: RoomId,
        user: UserId,
        seq: u64,
    ) -> Result<Option<u64>, EngineError>;

    // --- messages ------------------------------------------------------------

    /// Appends a message, assigning the room's next `seq` in the same atomic step
    /// (`message.seq` is ignored). A message with a sender is stored only if the
    /// sender is a member (`NotMember`), and in a channel its owner or an admin
    /// (`NotPermitted`): checked in the same step, so a send is one round trip on
    /// Redis and no leave or role change slips in between. With a `client_msg_id`
    /// its sender already sent in this room within
    /// [`IDEMPOTENCY_WINDOW`](crate::domain::message::IDEMPOTENCY_WINDOW), nothing is
    /// stored and the original is returned; another sender's identical id is unrelated.
    ///
    /// With `rate`, one unit is first taken from the sender's bucket, in the same
    /// atomic step (one round trip on Redis): `Limited` if it had none. A duplicate
    /// takes none. The bucket's status comes back with the outcome.
    async fn append_message(
        &self,
        message: &Message,
        rate: Option<&RateCheck>,
    ) -> Result<(Appended, Option<RateStatus>), EngineError> {
        let mut outcomes = self.append_messages(&[(message, rate)]).await?;
        outcomes
            .pop()
            .ok_or_else(|| EngineError::Corrupt(anyhow::anyhow!("an append without its outcome")))
    }
    /// Appends a batch, each entry as [`append_message`](Self::append_message) would
    /// and in the batch's order, so their seqs ascend in it (another node's appends may
    /// fall between them). One round trip on Redis: a room's group commit. The
    /// outcomes are in the batch's order; an error means none is known.
    async fn append_messages(
        &self,
        batch: &[(&Message, Option<&RateCheck>)],
    ) -> Result<Vec<(Appended, Option<RateStatus>)>, EngineError>;
    async fn get_message(&self, id: MessageId) -> Result<Option<Message>, EngineError>;
    /// At most `limit` messages of the room in `range`.
    async fn list_messages(
        &self,
        room: RoomId,
        range: HistoryRange,
        limit: usize,
    ) -> Result<Vec<Message>, EngineError>;
    /// Replaces `before` with `after` (edit, delete, reactions) if the stored message
    /// still equals `before`.
    async fn update_message(
        &self,
        before: &Message,
        after: &Message,
    ) -> Result<Update, EngineError>;

    // --- notifications -------------------------------------------------------

    /// Stores a notification once and puts it, unread, in each recipient's inbox, in
    /// one atomic step: no recipient sees it before the others can.
    async fn create_notification(
        &self,
        notification: &Notification,
        recipients: &[UserId],
    ) -> Result<(), EngineError>;
    /// The user's inbox, newest first (cursor: the entry's
    /// [`Notification::inbox_key`]).
    async fn list_inbox(
        &self,
        user: UserId,
        filter: InboxFilter,
        page: &PageRequest,
    ) -> Result<Page<InboxEntry>, EngineError>;
    /// Marks an entry of the user's inbox read at `at` (a second call keeps the
    /// first time); the entry after the call, or `None` if it is not in this inbox.
    async fn mark_notification_read(
        &self,
        user: UserId,
        id: NotificationId,
        at: DateTime<Utc>,
    ) -> Result<Option<InboxEntry>, EngineError>;

    // --- webhooks ------------------------------------------------------------

    async fn create_webhook(&self, webhook: &Webhook) -> Result<(), EngineError>;
    async fn get_webhook(&self, id: WebhookId) -> Result<Option<Webhook>, EngineError>;
    /// The client's webhooks in creation order.
    async fn list_webhooks(
        &self,
        client: ClientId,
        page: &PageRequest,
    ) -> Result<Page<Webhook>, EngineError>;
    /// Overwrites the webhook's editable fields (and its filter, as events meet it).
    async fn update_webhook(&self, webhook: &Webhook) -> Result<(), EngineError>;
    /// Deletes the webhook with its outbox and log; returns whether it existed.
    async fn delete_webhook(&self, webhook: &Webhook) -> Result<bool, EngineError>;
    /// Puts an event (its whole body) at the end of the outbox of each active webhook
    /// of the client whose filter names `event`, in one atomic step. A new message
    /// does not come here: [`Store::append_message`] puts `message.created` in the
    /// outboxes itself, in the step that numbers it.
    async fn enqueue_event(
        &self,
        client: ClientId,
        event: &str,
        body: &str,
    ) -> Result<(), EngineError>;
    /// Puts an entry at the end of one webhook's outbox (a replay).
    async fn requeue_entry(&self, webhook: WebhookId, entry: &str) -> Result<(), EngineError>;
    /// The webhooks with something in their outbox.
    async fn pending_webhooks(&self) -> Result<Vec<WebhookId>, EngineError>;
    /// The head of the webhook's outbox, if one is due, with the webhook's lease
    /// taken for `node` for `lease`: while it holds, no other node works this
    /// outbox. `None` if the outbox is empty, its head not yet due, or the lease
    /// held elsewhere.
    async fn claim_outbox(
        &self,
        webhook: WebhookId,
        node: &str,
        lease: std::time::Duration,
    ) -> Result<Option<Claimed>, EngineError>;
    /// Logs the attempt, settles the head (removed, or due again later) and
    /// releases the lease, atomically, if `node` still holds it; returns whether it
    /// did (a node whose lease lapsed mid-attempt changes nothing).
    async fn settle_outbox(
        &self,
        webhook: WebhookId,
        node: &str,
        delivery: &Delivery,
        settle: Settle,
    ) -> Result<bool, EngineError>;
    /// The webhook's attempts, newest first (the log keeps the last 1,000).
    async fn list_deliveries(
        &self,
        webhook: WebhookId,
        page: &PageRequest,
    ) -> Result<Page<Delivery>, EngineError>;
    async fn get_delivery(
        &self,
        webhook: WebhookId,
        id: &str,
    ) -> Result<Option<Delivery>, EngineError>;

    // --- analytics -----------------------------------------------------------

    /// Adds one to the client's counter for the hour of `at`. (Messages are counted
    /// by [`Store::append_message`] itself, in its own step: sent, and the sender as
    /// active.)
    async fn count(
        &self,
        client: ClientId,
        counter: Counter,
        at: DateTime<Utc>,
    ) -> Result<(), EngineError>;
    /// Takes one node's report: adds what it delivered to the hour of `at`, keeps
    /// its connections and send rate as the node's live load (for `fresh` from
    /// `at`), and raises each client's peak to its connections over every node whose
    /// load is live. `interval` is how long the report covers.
    async fn record_load(
        &self,
        node: &str,
        at: DateTime<Utc>,
        interval: std::time::Duration,
        fresh: std::time::Duration,
        loads: &[ClientLoad],
    ) -> Result<(), EngineError>;
    /// The client's usage in each hour of `from..=to` (hours with nothing are
    /// zeros).
    async fn usage(
        &self,
        client: ClientId,
        from: i64,
        to: i64,
    ) -> Result<Vec<HourUsage>, EngineError>;
    /// Each node's live load for the client, by node name.
    async fn live_load(&self, client: ClientId) -> Result<Vec<NodeLoad>, EngineError>;

    // --- security events -----------------------------------------------------

    async fn record_event(&self, event: &SecurityEvent) -> Result<(), EngineError>;
    /// The client's events, newest first, within the retention window.
    async fn list_events(
        &self,
        client: ClientId,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Result<Page<SecurityEvent>, EngineError>;
}

/// What reaches a node from the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A payload published on a room's channel (this node subscribes to the rooms it
    /// has local sessions in).
    Room { room_id: RoomId, payload: String },
    /// A payload published on the control channel, which every node hears.
    Control { payload: String },
    /// The subscriber connection was lost: until [`Inbound::Resubscribed`], anything
    /// published is missed.
    Lost,
    /// The subscriber connection was lost and is back: anything published meanwhile
    /// was missed, so every room must catch up from the store.
    Resubscribed,
}

/// Where a payload goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Room(RoomId),
    Control,
}

/// Delivery between nodes. Payloads are opaque here; the real-time core reads them.
/// `Store::append_message` announces each new message (`{"seq":N}`, no spaces) on its
/// room's channel itself, atomically with the append. Subscriptions are a set per
/// node, not a count: one `unsubscribe` undoes any number of `subscribe`s.
#[async_trait]
pub trait Broker: Send + Sync {
    /// Starts this node's one subscriber connection; what arrives goes to `sink`.
    /// Called once, at start-up.
    fn start_broker(&self, sink: tokio::sync::mpsc::UnboundedSender<Inbound>);
    /// Starts receiving the room's channel (when the first local member connects), and
    /// returns once it is received: a room reads where its messages stand only after
    /// that, so no message falls between the read and the subscription. If the broker
    /// cannot confirm soon (Redis slow or away), it returns anyway; the subscription
    /// is made when it can, and the reconnect's `Resubscribed` makes rooms catch up.
    async fn subscribe(&self, room: RoomId);
    /// Stops receiving it (when the last local member leaves).
    fn unsubscribe(&self, room: RoomId);
    /// Sends `payload` to every node listening on `topic`, this one included.
    async fn publish(&self, topic: Topic, payload: String) -> Result<(), EngineError>;
}

/// Who is online where, across nodes. Each entry is one session in one room, tagged
/// with its node and living for a TTL that the node refreshes while the session lasts:
/// a node that dies stops refreshing, and its users go offline when the TTL runs out.
#[async_trait]
pub trait Presence: Send + Sync {
    /// Adds or refreshes these sessions' entries in the room, for `ttl` from now.
    async fn presence_refresh(
        &self,
        node: &str,
        room: RoomId,
        sessions: &[(UserId, SessionId)],
        ttl: std::time::Duration,
    ) -> Result<(), EngineError>;
    /// Removes one session's entry (it left the room or disconnected).
    async fn presence_remove(
        &self,
        node: &str,
        room: RoomId,
        user: UserId,
        session: SessionId,
    ) -> Result<(), EngineError>;
    /// The users with at least one live entry in the room, on any node.
    async fn presence_online(&self, room: RoomId) -> Result<Vec<UserId>, EngineError>;
    /// Removes every entry `node` left, in rooms and connections alike (called at
    /// start-up: a restarted node's old sessions are gone).
    async fn presence_clear_node(&self, node: &str) -> Result<(), EngineError>;
    /// Adds or refreshes these connections' entries, in no room, for `ttl` from now:
    /// who is connected at all, which a user in no room is too.
    async fn connections_refresh(
        &self,
        node: &str,
        sessions: &[(UserId, SessionId)],
        ttl: std::time::Duration,
    ) -> Result<(), EngineError>;
    /// Removes one connection's entry (it closed).
    async fn connections_remove(
        &self,
        node: &str,
        user: UserId,
        session: SessionId,
    ) -> Result<(), EngineError>;
    /// Those of `users` with at least one live connection on any node, in the order
    /// given.
    async fn users_connected(&self, users: &[UserId]) -> Result<Vec<UserId>, EngineError>;
}

/// Rate limits shared by every node (`API.md` §8): one bucket per caller and limit,
/// following the GCRA rule of [`rules::rate`]. The send path does not come here: its
/// check travels inside [`Store::append_message`].
#[async_trait]
pub trait Limiter: Send + Sync {
    /// Takes one unit from `check`'s bucket if it has one; its status either way.
    async fn take(&self, check: &RateCheck) -> Result<RateStatus, EngineError>;
}

/// All the back-end traits joined; what the rest of the node holds.
pub trait Engine: Store + Broker + Presence + Limiter {}

impl<T: Store + Broker + Presence + Limiter> Engine for T {}

/// The engine as the node shares it.
pub type SharedEngine = Arc<dyn Engine>;
