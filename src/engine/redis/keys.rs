//! Every Redis key name ChatAPI uses is built here, all under the configured prefix, so
//! that the layout can be read in one place and deployments can share a Redis.
//!
//! **Redis Cluster.** A tenant's keys carry its [`Shard`] as their hash tag, right after
//! the prefix: `room:{id}:members` below is really `{prefix}{{shard}}:room:{id}:members`,
//! where the shard is the first four hex digits of the id in the name (every id of a
//! tenant begins with them, see `domain::ids`). So each script and `MULTI` of a tenant
//! works within one slot, the keys a script finds as it runs included. Only the keys
//! marked *untagged* below are outside every tenant's slot, and no script or
//! transaction touches them together with another key. With a cluster the tenants
//! spread over the shards; one tenant is one slot.
//!
//! A script declares in `KEYS` every key its caller can name. The ones it finds as it
//! runs (a webhook's outbox for each of the client's webhooks, the rooms of a deleted
//! user, the client of a room that its state hash names) it builds from a [`Family`]
//! of the same shard, which Redis Cluster allows within the script's slot, and the
//! `#!lua` line of `scripts.rs` has it refuse anything else.
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
//! | `webhooks:pending` | set | ids of the tenant's webhooks whose outbox is not empty |
//! | `webhooks:shards` | set | *untagged*: the shards that ever had a webhook, where the workers look for pending ones |
//! | `purges` | sorted set | the deletions not yet wholly removed, `room:{id}:{last seq}` or `user:{id}`, scored by their start (unix ms) |
//! | `purges:shards` | set | *untagged*: the shards that ever had a deletion, where a node looks for unfinished ones |
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
//! | `key:{digest}` | hash | key record, in its owner's slot; revoked ones expire as tombstones |
//! | `key:{digest}` | string | *untagged*: the locator, the shard of the record (a key is presented alone); it expires no sooner than the record |
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
//! | `node:{name}:presence` | set | *untagged*: `{room_id}|{member}`, what a node must clear at restart |
//! | `node:{name}:connections` | set | *untagged*: `{user_id}|{member}`, the same for connections |
//! | `control` | pub/sub channel | *untagged*: node-wide notices, revocations and membership changes |
//! | `rate:{bucket}` | string | a rate-limit bucket's arrival time (ms), in its owner's slot (*untagged* for an address's); expires when it is full |
//!
//! The revoking scripts build `key:{digest}` themselves from [`Keys::key_record_prefix`],
//! since the digest to revoke is only known inside the script. Scripts that meet other
//! ids as they run (a deleted room's members and messages, a deleted user's rooms) get
//! the key's [`Family`] instead, so even those names are spelled only here. Both are
//! made for one shard, so what a script builds stays in its slot.

use std::fmt::Display;

use crate::domain::{
    ids::{ClientId, MessageId, NotificationId, RoomId, Shard, UserId, WebhookId},
    keys::KeyDigest,
    rate::RateCheck,
};

/// A key name with its id left open, for a script that learns the id only as it runs:
/// the script builds `head .. id .. tail` from [`Family::args`], and Rust builds the
/// same name with [`Family::with`]. A family is one shard's, so the ids put in it must
/// be of that shard (ids a tenant's records name always are).
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
    /// `prefix` holds no `{`, so the shard is each name's hash tag (`config` checks).
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    /// A name in `shard`'s slot.
    fn tagged(&self, shard: Shard, rest: impl Display) -> String {
        format!("{}{{{shard}}}:{rest}", self.prefix)
    }

    fn family(&self, shard: Shard, kind: &str, tail: impl Into<String>) -> Family {
        Family {
            head: self.tagged(shard, format_args!("{kind}:")),
            tail: tail.into(),
        }
    }

    pub fn client(&self, id: ClientId) -> String {
        self.tagged(id.shard(), format_args!("client:{id}"))
    }

    pub fn client_key(&self, id: ClientId) -> String {
        self.tagged(id.shard(), format_args!("client:{id}:key"))
    }

    pub fn user_order(&self, client: ClientId) -> String {
        self.tagged(client.shard(), format_args!("client:{client}:users"))
    }

    pub fn email(&self, client: ClientId, email_key: &str) -> String {
        self.tagged(
            client.shard(),
            format_args!("client:{client}:email:{email_key}"),
        )
    }

    pub fn username(&self, client: ClientId, username_key: &str) -> String {
        self.tagged(
            client.shard(),
            format_args!("client:{client}:username:{username_key}"),
        )
    }

    /// A client's counters of one hour (see `domain::analytics::hour_of`).
    pub fn usage(&self, client: ClientId, hour: i64) -> String {
        self.usage_family(client.shard(), hour).with(client)
    }

    pub fn usage_family(&self, shard: Shard, hour: i64) -> Family {
        self.family(shard, "client", format!(":usage:{hour}"))
    }

    /// The users of a client who sent a message in one hour.
    pub fn active(&self, client: ClientId, hour: i64) -> String {
        self.active_family(client.shard(), hour).with(client)
    }

    pub fn active_family(&self, shard: Shard, hour: i64) -> Family {
        self.family(shard, "client", format!(":active:{hour}"))
    }

    /// A client's active webhooks: id → `WebhookEvents::encoded`, what the scripts
    /// match each event against.
    pub fn client_webhooks(&self, client: ClientId) -> String {
        self.client_webhooks_family(client.shard()).with(client)
    }

    pub fn client_webhooks_family(&self, shard: Shard) -> Family {
        self.family(shard, "client", ":webhooks")
    }

    pub fn webhook_order(&self, client: ClientId) -> String {
        self.tagged(
            client.shard(),
            format_args!("client:{client}:webhook_order"),
        )
    }

    pub fn webhook(&self, id: WebhookId) -> String {
        self.tagged(id.shard(), format_args!("webhook:{id}"))
    }

    pub fn outbox(&self, id: WebhookId) -> String {
        self.outbox_family(id.shard()).with(id)
    }

    pub fn outbox_family(&self, shard: Shard) -> Family {
        self.family(shard, "webhook", ":outbox")
    }

    pub fn outbox_head(&self, id: WebhookId) -> String {
        self.tagged(id.shard(), format_args!("webhook:{id}:head"))
    }

    pub fn outbox_lease(&self, id: WebhookId) -> String {
        self.tagged(id.shard(), format_args!("webhook:{id}:lease"))
    }

    pub fn deliveries(&self, id: WebhookId) -> String {
        self.tagged(id.shard(), format_args!("webhook:{id}:deliveries"))
    }

    /// The shard's webhooks with events waiting.
    pub fn pending_webhooks(&self, shard: Shard) -> String {
        self.tagged(shard, "webhooks:pending")
    }

    /// Untagged: every shard whose [`Keys::pending_webhooks`] a worker must read.
    pub fn webhook_shards(&self) -> String {
        format!("{}webhooks:shards", self.prefix)
    }

    pub fn live_load(&self, client: ClientId) -> String {
        self.tagged(client.shard(), format_args!("client:{client}:live"))
    }

    pub fn events(&self, client: ClientId) -> String {
        self.tagged(client.shard(), format_args!("client:{client}:events"))
    }

    pub fn user(&self, id: UserId) -> String {
        self.user_family(id.shard()).with(id)
    }

    pub fn user_key(&self, id: UserId) -> String {
        self.tagged(id.shard(), format_args!("user:{id}:key"))
    }

    /// A key's record, in its owner's shard.
    pub fn key_record(&self, shard: Shard, digest: &KeyDigest) -> String {
        format!("{}{}", self.key_record_prefix(shard), digest.to_hex())
    }

    pub fn key_record_prefix(&self, shard: Shard) -> String {
        self.tagged(shard, "key:")
    }

    /// Untagged: which shard holds the record of a key, which is presented alone.
    pub fn key_locator(&self, digest: &KeyDigest) -> String {
        format!("{}key:{}", self.prefix, digest.to_hex())
    }

    pub fn room_order(&self, client: ClientId) -> String {
        self.tagged(client.shard(), format_args!("client:{client}:rooms"))
    }

    /// The pair is ordered by the caller (smaller user id first), so either order of
    /// the two users names the same key.
    pub fn direct_pair(&self, client: ClientId, low: UserId, high: UserId) -> String {
        self.tagged(
            client.shard(),
            format_args!("client:{client}:direct:{low}:{high}"),
        )
    }

    /// Where a deleted room's members wait while its former members' room sets are
    /// cleaned in chunks: `delete_room.lua` renames the members hash here, under a name
    /// no reader knows, so the room is gone at once. Likewise its messages, and a
    /// deleted user's set of rooms.
    pub fn purged_members(&self, room: RoomId) -> String {
        self.tagged(room.shard(), format_args!("purge:room:{room}:members"))
    }

    pub fn purged_messages(&self, room: RoomId) -> String {
        self.tagged(room.shard(), format_args!("purge:room:{room}:messages"))
    }

    /// The shard's deletions whose chunks are not all removed yet.
    pub fn purges(&self, shard: Shard) -> String {
        self.tagged(shard, "purges")
    }

    /// Untagged: every shard whose [`Keys::purges`] a node resuming them must read.
    pub fn purge_shards(&self) -> String {
        format!("{}purges:shards", self.prefix)
    }

    pub fn purged_user_rooms(&self, user: UserId) -> String {
        self.tagged(user.shard(), format_args!("purge:user:{user}:rooms"))
    }

    pub fn user_rooms(&self, user: UserId) -> String {
        self.user_rooms_family(user.shard()).with(user)
    }

    pub fn user_family(&self, shard: Shard) -> Family {
        self.family(shard, "user", "")
    }

    pub fn user_rooms_family(&self, shard: Shard) -> Family {
        self.family(shard, "user", ":rooms")
    }

    pub fn inbox(&self, user: UserId) -> String {
        self.tagged(user.shard(), format_args!("user:{user}:inbox"))
    }

    pub fn unread(&self, user: UserId) -> String {
        self.tagged(user.shard(), format_args!("user:{user}:unread"))
    }

    pub fn inbox_read(&self, user: UserId) -> String {
        self.tagged(user.shard(), format_args!("user:{user}:read"))
    }

    pub fn notification(&self, id: NotificationId) -> String {
        self.tagged(id.shard(), format_args!("notification:{id}"))
    }

    pub fn user_connections(&self, user: UserId) -> String {
        self.tagged(user.shard(), format_args!("user:{user}:connections"))
    }

    /// Untagged: a node's entries span every tenant.
    pub fn node_connections(&self, node: &str) -> String {
        format!("{}node:{node}:connections", self.prefix)
    }

    pub fn room_presence(&self, id: RoomId) -> String {
        self.tagged(id.shard(), format_args!("room:{id}:presence"))
    }

    /// Untagged, as [`Keys::node_connections`].
    pub fn node_presence(&self, node: &str) -> String {
        format!("{}node:{node}:presence", self.prefix)
    }

    /// The pub/sub channel of a room's events.
    pub fn room_channel(&self, id: RoomId) -> String {
        self.tagged(id.shard(), format_args!("room:{id}:events"))
    }

    /// The room a channel name belongs to, if it is a room channel of ours.
    pub fn channel_room(&self, channel: &str) -> Option<RoomId> {
        let tagged = channel.strip_prefix(&self.prefix)?.strip_prefix('{')?;
        let (shard, rest) = tagged.split_once("}:room:")?;
        let room = RoomId::parse(rest.strip_suffix(":events")?)?;
        (Shard::parse(shard)? == room.shard()).then_some(room)
    }

    /// Untagged: every node hears it.
    pub fn control_channel(&self) -> String {
        format!("{}control", self.prefix)
    }

    pub fn room(&self, id: RoomId) -> String {
        self.room_family(id.shard()).with(id)
    }

    pub fn room_family(&self, shard: Shard) -> Family {
        self.family(shard, "room", "")
    }

    pub fn members(&self, room: RoomId) -> String {
        self.members_family(room.shard()).with(room)
    }

    pub fn members_family(&self, shard: Shard) -> Family {
        self.family(shard, "room", ":members")
    }

    pub fn member_order(&self, room: RoomId) -> String {
        self.member_order_family(room.shard()).with(room)
    }

    pub fn member_order_family(&self, shard: Shard) -> Family {
        self.family(shard, "room", ":member_order")
    }

    pub fn reads(&self, room: RoomId) -> String {
        self.reads_family(room.shard()).with(room)
    }

    pub fn reads_family(&self, shard: Shard) -> Family {
        self.family(shard, "room", ":reads")
    }

    pub fn messages(&self, room: RoomId) -> String {
        self.tagged(room.shard(), format_args!("room:{room}:messages"))
    }

    pub fn room_state(&self, room: RoomId) -> String {
        self.tagged(room.shard(), format_args!("room:{room}:state"))
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
        self.tagged(
            room.shard(),
            format_args!("room:{room}:cmid:{sender}:{client_msg_id}"),
        )
    }

    /// In the slot of the bucket's owner, so the append script can draw from it.
    pub fn rate(&self, check: &RateCheck) -> String {
        match check.shard {
            Some(shard) => self.tagged(shard, format_args!("rate:{}", check.bucket)),
            None => format!("{}rate:{}", self.prefix, check.bucket),
        }
    }

    pub fn message(&self, id: MessageId) -> String {
        self.tagged(id.shard(), format_args!("message:{id}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenants_names_carry_its_shard_as_their_hash_tag() {
        let keys = Keys::new("p:");
        let client = ClientId::random();
        let room = RoomId::random_in(client.shard());
        let tag = format!("p:{{{}}}:", client.shard());
        for name in [
            keys.client(client),
            keys.room(room),
            keys.members(room),
            keys.members_family(client.shard()).with(room),
            keys.usage(client, 7),
        ] {
            assert!(name.starts_with(&tag), "{name}");
        }
        assert_eq!(keys.channel_room(&keys.room_channel(room)), Some(room));
        assert_eq!(keys.channel_room("p:room:x:events"), None);
    }
}
