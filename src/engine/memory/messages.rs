//! Messages. A room's history is a `Vec` where `seq` n sits at index n - 1, so the
//! append that pushes is the one that numbers, and a history window is a slice. The
//! append also announces the new `seq` on the room's channel, as the Redis script does.

use super::State;
use crate::{
    domain::{
        ids::{MessageId, RoomId},
        message::{Appended, HistoryRange, Message},
        rate::{RateCheck, RateStatus},
        room::RoomType,
        webhook::OutboxEntry,
    },
    engine::{
        rules::{history, rate, retention::idempotency_horizon},
        Update,
    },
};

/// How many rate buckets are kept before the full ones are swept.
const FORGET_BUCKETS_AT: usize = 10_000;

/// Milliseconds since the Unix epoch, the clock rate buckets count in.
fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

impl State {
    /// The steps of `append_message.lua`, in its order: the room, the sender's
    /// standing in it, its `client_msg_id`, its rate limit, then the append.
    pub(super) fn append_message(
        &mut self,
        message: &Message,
        rate: Option<&RateCheck>,
    ) -> (Appended, Option<RateStatus>) {
        let Some(room) = self.rooms.get_mut(&message.room_id) else {
            return (Appended::RoomGone, None);
        };
        if let Some(sender) = message.sender_id {
            let Some(member) = room.members.get(&sender) else {
                return (Appended::NotMember, None);
            };
            let role = member.membership.role;
            if room.room.room_type == RoomType::Channel && !role.manages() {
                return (Appended::NotPermitted, None);
            }
        }
        let idempotency = message
            .client_msg_id
            .clone()
            .map(|cmid| (message.sender_id, cmid));
        if let Some(key) = &idempotency {
            let horizon = idempotency_horizon(message.created_at);
            room.client_msg_ids.retain(|_, (_, at)| *at >= horizon);
            if let Some(original) = room
                .client_msg_ids
                .get(key)
                .and_then(|(seq, _)| room.message(*seq))
            {
                return (Appended::Duplicate(original.clone()), None);
            }
        }
        let status = rate.map(|check| self.take(check));
        if status.is_some_and(|status| !status.allowed) {
            return (Appended::Limited, status);
        }
        let Some(room) = self.rooms.get_mut(&message.room_id) else {
            return (Appended::RoomGone, None);
        };
        let mut stored = message.clone();
        stored.seq = room.messages.len() as u64 + 1;
        if let Some(key) = idempotency {
            room.client_msg_ids
                .insert(key, (stored.seq, stored.created_at));
        }
        room.last_message_at = Some(stored.created_at);
        room.messages.push(stored.clone());
        let client = room.room.client_id;
        self.count_sent(client, stored.sender_id, stored.created_at);
        self.message_index
            .insert(stored.id, (stored.room_id, stored.seq));
        // As stored on Redis (seq 0: the seq goes beside it), for the webhook outbox
        // and the room's channel.
        match serde_json::to_string(&Message {
            seq: 0,
            ..stored.clone()
        }) {
            Ok(message) => {
                self.announce(stored.room_id, stored.seq, &message);
                let entry = OutboxEntry::Message {
                    seq: stored.seq,
                    message,
                };
                self.enqueue(client, "message.created", &entry);
            }
            Err(err) => tracing::error!(error = %err, "stored message not encoded"),
        }
        (Appended::New(stored), status)
    }

    /// Takes one unit from a rate-limit bucket, by [`rate::take`]. Buckets that are
    /// full again are forgotten now and then, as Redis expires them.
    pub(super) fn take(&mut self, check: &RateCheck) -> RateStatus {
        let now = now_ms();
        if self.rate_buckets.len() >= FORGET_BUCKETS_AT {
            self.rate_buckets.retain(|_, full_at| *full_at > now);
        }
        let tat = self.rate_buckets.get(&check.bucket).copied();
        let (status, next) = rate::take(check.limit, tat, now);
        if let Some(next) = next {
            self.rate_buckets.insert(check.bucket.clone(), next);
        }
        status
    }

    pub(super) fn get_message(&self, id: MessageId) -> Option<Message> {
        self.message_index
            .get(&id)
            .and_then(|(room, seq)| self.rooms.get(room)?.message(*seq))
            .cloned()
    }

    pub(super) fn list_messages(
        &self,
        room: RoomId,
        range: HistoryRange,
        limit: usize,
    ) -> Vec<Message> {
        let Some(room) = self.rooms.get(&room) else {
            return Vec::new();
        };
        let last = room.messages.len() as u64;
        history::window(range, limit, last)
            .into_iter()
            .filter_map(|seq| room.message(seq).cloned())
            .collect()
    }

    pub(super) fn update_message(&mut self, before: &Message, after: &Message) -> Update {
        let slot = self
            .rooms
            .get_mut(&before.room_id)
            .and_then(|room| room.message_mut(before.seq));
        match slot {
            Some(stored) if stored == before => {
                *stored = after.clone();
                Update::Applied
            }
            _ => Update::Stale,
        }
    }
}
