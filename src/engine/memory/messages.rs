//! Messages. A room's history is a `Vec` where `seq` n sits at index n - 1, so the
//! append that pushes is the one that numbers, and a history window is a slice. The
//! append also announces the new `seq` on the room's channel, as the Redis script does.

use super::State;
use crate::{
    domain::{
        ids::{MessageId, RoomId},
        message::{Appended, HistoryRange, Message},
    },
    engine::{
        rules::{history, retention::idempotency_horizon},
        Update,
    },
};

impl State {
    pub(super) fn append_message(&mut self, message: &Message) -> Appended {
        let Some(room) = self.rooms.get_mut(&message.room_id) else {
            return Appended::RoomGone;
        };
        if let Some(cmid) = &message.client_msg_id {
            let horizon = idempotency_horizon(message.created_at);
            room.client_msg_ids.retain(|_, (_, at)| *at >= horizon);
            if let Some(original) = room
                .client_msg_ids
                .get(cmid)
                .and_then(|(seq, _)| room.message(*seq))
            {
                return Appended::Duplicate(original.clone());
            }
        }
        let mut stored = message.clone();
        stored.seq = room.messages.len() as u64 + 1;
        if let Some(cmid) = &stored.client_msg_id {
            room.client_msg_ids
                .insert(cmid.clone(), (stored.seq, stored.created_at));
        }
        room.last_message_at = Some(stored.created_at);
        room.messages.push(stored.clone());
        self.message_index
            .insert(stored.id, (stored.room_id, stored.seq));
        self.announce(stored.room_id, stored.seq);
        Appended::New(stored)
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
