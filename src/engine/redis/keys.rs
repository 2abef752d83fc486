//! Every Redis key name ChatAPI uses is built here, all under the configured prefix, so
//! that the layout can be read in one place and deployments can share a Redis.
//!
//! | key | type | holds |
//! |---|---|---|
//! | `client:{id}` | string | client JSON |
//! | `client:{id}:key` | string | digest of the live master key |
//! | `client:{id}:users` | sorted set | `User::order_key` members, lexically ordered |
//! | `client:{id}:email:{email}` | string | user id (lower-cased email) |
//! | `client:{id}:username:{name}` | string | user id (lower-cased username) |
//! | `client:{id}:usage:{hour}` | hash | the hour's counters: `users`, `rooms`, `messages_sent`, `messages_delivered`, `peak_connections`; expires after 400 days |
//! | `client:{id}:active:{hour}` | set | ids of the users who sent a message in the hour; expires likewise |
//! | `client:{id}:live` | hash | node → `{connections}\|{messages per second}\|{at ms}\|{live until ms}`: each node's latest report |
//! | `client:{id}:webhooks` | hash | id of each active webhook → its event filter (`*` or `,name,name,`) |
//! | `client:{id}:webhook_order` | sorted set | `Webhook::order_key` members, lexically ordered |
//! | `webhook:{id}` | string | webhook JSON (with its secret, which signs) |
//! | `webhook:{id}:outbox` | list | events waiting, oldest first: `M\|{seq}\|{message JSON}` or `E\|{body}` |
//! | `webhook:{id}:head` | hash | `attempts` and `due_ms` of the outbox's head |
//! | `webhook:{id}:lease` | string | the node working the outbox; expires |
//! | `webhook:{id}:deliveries` | stream | every attempt's JSON, the last 1,000 |
//! | `webhooks:pending` | set | ids of the webhooks whose outbox is not empty |
//! | `client:{id}:events` | stream | security events, trimmed to 90 days |
//! | `client:{id}:rooms` | sorted set | `Room::order_key` members, lexically ordered |
//! | `client:{id}:direct:{low}:{high}` | string | id of the pair's direct room (user ids, smaller first) |
//! | `user:{id}` | string | user JSON |
//! | `user:{id}:key` | string | digest of the live scoped key |
//! | `user:{id}:rooms` | sorted set | ids of the user's rooms, lexically ordered (the cursor) |
//! | `user:{id}:inbox` | sorted set | `Notification::inbox_key` members, lexically ordered (newest first) |
//! | `user:{id}:unread` | sorted set | the same members, for the entries not yet read |
//! | `user:{id}:read` | hash | notification id → when the user read it (RFC 3339) |
//! | `user:{id}:connections` | sorted set | `{session_id}@{node}` scored by expiry (unix ms): the user's live connections |
//! | `notification:{id}` | string | notification JSON, once for all its recipients |
//! | `key:{digest}` | hash | key record; revoked ones expire as tombstones |
//! | `room:{id}` | string | room JSON |
//! | `room:{id}:members` | hash | user id → membership JSON with its `order_key` |
//! | `room:{id}:member_order` | sorted set | `Membership::order_key` members, lexically ordered |
//! | `room:{id}:reads` | hash | user id → last read `seq` |
//! | `room:{id}:messages` | hash | `seq` → message JSON (written with `seq` 0: the field is the truth) |
//! | `room:{id}:state` | hash | `seq` (last given), `last_message_at`, `client_id` and `room_type` (copied from the record by the first send), and `direct_pair` (the pair key, direct rooms only) |
//! | `room:{id}:cmid:{sender}:{client_msg_id}` | string | `seq` of the message its sender (a user id, or `system`) sent with it; expires after the idempotency window |
//! | `message:{id}` | string | `{room_id}:{seq}`, where the message lives |
//! | `room:{id}:events` | pub/sub channel | the room's events for other nodes |
//! | `room:{id}:presence` | sorted set | `{user_id}:{session_id}@{node}` scored by expiry (unix ms) |
//! | `node:{name}:presence` | set | `{room_id}|{member}`: what a node must clear at restart |
//! | `node:{name}:connections` | set | `{user_id}|{member}`: the same for connections |
//! | `control` | pub/sub channel | node-wide notices: revocations, membership changes |
//! | `rate:{bucket}` | string | a rate-limit bucket's arrival time (ms); expires when it is full |
//!
//! The revoking scripts build `key:{digest}` themselves from [`Keys::key_record_prefix`],
//! since the digest to revoke is only known inside the script. Scripts that meet other
//! ids as they run (a deleted room's members and messages, a deleted user's rooms) get
//! the key's [`Family`] instead, so even those names are spelled only here.

use std::fmt::Display;

use crate::domain::{
    ids::{ClientId, MessageId, NotificationId, RoomId, UserId, WebhookId},
    keys::KeyDigest,
};

/// A key name with its id left open, for a script that learns the id only as it runs:
/// the script builds `head .. id .. tail` from [`Family::args`], and Rust builds the
/// same name with [`Family::with`].
#[derive(Debug, Clone)]
pub struct Family {
    head: String,
    tail: String,
}

impl Family {
    pub fn with(&self, id: impl Display) -> String {
        format!("{}{id}{}", self.head, self.tail)
    }

    /// The two script arguments: head, then tail.
    pub fn args(self) -> [String; 2] {
        [self.head, self.tail]
    }
}

#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    fn family(&self, kind: &str, tail: impl Into<String>) -> Family {
        Family {
            head: format!("{}{kind}:", self.prefix),
            tail: tail.into(),
        }
    }

    pub fn client(&self, id: ClientId) -> String {
        format!("{}client:{id}", self.prefix)
    }

    pub fn client_key(&self, id: ClientId) -> String {
        format!("{}client:{id}:key", self.prefix)
    }

    pub fn user_order(&self, client: ClientId) -> String {
        format!("{}client:{client}:users", self.prefix)
    }

    pub fn email(&self, client: ClientId, email_key: &str) -> String {
        format!("{}client:{client}:email:{email_key}", self.prefix)
    }

    pub fn username(&self, client: ClientId, username_key: &str) -> String {
        format!("{}client:{client}:username:{username_key}", self.prefix)
    }

    /// A client's counters of one hour (see `domain::analytics::hour_of`).
    pub fn usage(&self, client: ClientId, hour: i64) -> String {
        self.usage_family(hour).with(client)
    }

    pub fn usage_family(&self, hour: i64) -> Family {
        self.family("client", format!(":usage:{hour}"))
    }

    /// The users of a client who sent a message in one hour.
    pub fn active(&self, client: ClientId, hour: i64) -> String {
        self.active_family(hour).with(client)
    }

    pub fn active_family(&self, hour: i64) -> Family {
        self.family("client", format!(":active:{hour}"))
    }

    /// A client's active webhooks: id → `WebhookEvents::encoded`, what the scripts
    /// match each event against.
    pub fn client_webhooks(&self, client: ClientId) -> String {
        self.client_webhooks_family().with(client)
    }

    pub fn client_webhooks_family(&self) -> Family {
        self.family("client", ":webhooks")
    }

    pub fn webhook_order(&self, client: ClientId) -> String {
        format!("{}client:{client}:webhook_order", self.prefix)
    }

    pub fn webhook(&self, id: WebhookId) -> String {
        format!("{}webhook:{id}", self.prefix)
    }

    pub fn outbox(&self, id: WebhookId) -> String {
        self.outbox_family().with(id)
    }

    pub fn outbox_family(&self) -> Family {
        self.family("webhook", ":outbox")
    }

    pub fn outbox_head(&self, id: WebhookId) -> String {
        format!("{}webhook:{id}:head", self.prefix)
    }

    pub fn outbox_lease(&self, id: WebhookId) -> String {
        format!("{}webhook:{id}:lease", self.prefix)
    }

    pub fn deliveries(&self, id: WebhookId) -> String {
        format!("{}webhook:{id}:deliveries", self.prefix)
    }

    pub fn pending_webhooks(&self) -> String {
        format!("{}webhooks:pending", self.prefix)
    }

    pub fn live_load(&self, client: ClientId) -> String {
        format!("{}client:{client}:live", self.prefix)
    }

    pub fn events(&self, client: ClientId) -> String {
        format!("{}client:{client}:events", self.prefix)
    }

    pub fn user(&self, id: UserId) -> String {
        self.user_family().with(id)
    }

    pub fn user_key(&self, id: UserId) -> String {
        format!("{}user:{id}:key", self.prefix)
    }

    pub fn key_record(&self, digest: &KeyDigest) -> String {
        format!("{}{}", self.key_record_prefix(), digest.to_hex())
    }

    pub fn key_record_prefix(&self) -> String {
        format!("{}key:", self.prefix)
    }

    pub fn room_order(&self, client: ClientId) -> String {
        format!("{}client:{client}:rooms", self.prefix)
    }

    /// The pair is ordered by the caller (smaller user id first), so either order of
    /// the two users names the same key.
    pub fn direct_pair(&self, client: ClientId, low: UserId, high: UserId) -> String {
        format!("{}client:{client}:direct:{low}:{high}", self.prefix)
    }

    /// Where a deleted room's members wait while its former members' room sets are
    /// cleaned in chunks: `delete_room.lua` renames the members hash here, under a name
    /// no reader knows, so the room is gone at once. Likewise its messages, and a
    /// deleted user's set of rooms.
    pub fn purged_members(&self, room: RoomId) -> String {
        format!("{}purge:room:{room}:members", self.prefix)
    }

    pub fn purged_messages(&self, room: RoomId) -> String {
        format!("{}purge:room:{room}:messages", self.prefix)
    }

    pub fn purged_user_rooms(&self, user: UserId) -> String {
        format!("{}purge:user:{user}:rooms", self.prefix)
    }

    pub fn user_rooms(&self, user: UserId) -> String {
        self.user_rooms_family().with(user)
    }

    pub fn user_family(&self) -> Family {
        self.family("user", "")
    }

    pub fn user_rooms_family(&self) -> Family {
        self.family("user", ":rooms")
    }

    pub fn inbox(&self, user: UserId) -> String {
        format!("{}user:{user}:inbox", self.prefix)
    }

    pub fn unread(&self, user: UserId) -> String {
        format!("{}user:{user}:unread", self.prefix)
    }

    pub fn inbox_read(&self, user: UserId) -> String {
        format!("{}user:{user}:read", self.prefix)
    }

    pub fn notification(&self, id: NotificationId) -> String {
        format!("{}notification:{id}", self.prefix)
    }

    pub fn user_connections(&self, user: UserId) -> String {
        format!("{}user:{user}:connections", self.prefix)
    }

    pub fn node_connections(&self, node: &str) -> String {
        format!("{}node:{node}:connections", self.prefix)
    }

    pub fn room_presence(&self, id: RoomId) -> String {
        format!("{}room:{id}:presence", self.prefix)
    }

    pub fn node_presence(&self, node: &str) -> String {
        format!("{}node:{node}:presence", self.prefix)
    }

    /// The pub/sub channel of a room's events.
    pub fn room_channel(&self, id: RoomId) -> String {
        format!("{}room:{id}:events", self.prefix)
    }

    /// The room a channel name belongs to, if it is a room channel of ours.
    pub fn channel_room(&self, channel: &str) -> Option<RoomId> {
        let id = channel.strip_prefix(&self.prefix)?.strip_prefix("room:")?;
        RoomId::parse(id.strip_suffix(":events")?)
    }

    pub fn control_channel(&self) -> String {
        format!("{}control", self.prefix)
    }

    pub fn room(&self, id: RoomId) -> String {
        self.room_family().with(id)
    }

    pub fn room_family(&self) -> Family {
        self.family("room", "")
    }

    pub fn members(&self, room: RoomId) -> String {
        self.members_family().with(room)
    }

    pub fn members_family(&self) -> Family {
        self.family("room", ":members")
    }

    pub fn member_order(&self, room: RoomId) -> String {
        self.member_order_family().with(room)
    }

    pub fn member_order_family(&self) -> Family {
        self.family("room", ":member_order")
    }

    pub fn reads(&self, room: RoomId) -> String {
        self.reads_family().with(room)
    }

    pub fn reads_family(&self) -> Family {
        self.family("room", ":reads")
    }

    pub fn messages(&self, room: RoomId) -> String {
        format!("{}room:{room}:messages", self.prefix)
    }

    pub fn room_state(&self, room: RoomId) -> String {
        format!("{}room:{room}:state", self.prefix)
    }

    /// A `client_msg_id` is its sender's: `sender` is the user id, or `None` for the
    /// master key's system messages.
    pub fn client_msg_id(
        &self,
        room: RoomId,
        sender: Option<UserId>,
        client_msg_id: &str,
    ) -> String {
        let sender = sender.map_or_else(|| "system".to_owned(), |user| user.to_string());
        format!("{}room:{room}:cmid:{sender}:{client_msg_id}", self.prefix)
    }

    pub fn rate(&self, bucket: &str) -> String {
        format!("{}rate:{bucket}", self.prefix)
    }

    pub fn message(&self, id: MessageId) -> String {
        self.message_family().with(id)
    }

    pub fn message_family(&self) -> Family {
        self.family("message", "")
    }
}
