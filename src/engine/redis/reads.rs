//! Batched reads: a record's reads are queued into a pipeline with others (`queue_*`),
//! and its replies taken back in the same order (`read_*`), so one round trip reads a
//! room, its counters and a membership together.

use redis::Pipeline;

use super::{next_reply, records::*, RedisEngine, Replies, STATE_LAST_MESSAGE_AT, STATE_SEQ};
use crate::{
    domain::{
        ids::{RoomId, UserId},
        room::{Member, Room, RoomStats},
    },
    engine::EngineError,
};

impl RedisEngine {
    /// Queues the reads of a room and its counters; [`read_room`] takes the replies.
    pub(super) fn queue_room(&self, pipe: &mut Pipeline, id: RoomId) {
        let state = self.keys.room_state(id);
        pipe.get(self.keys.room(id))
            .hlen(self.keys.members(id))
            .hget(&state, STATE_SEQ)
            .hget(&state, STATE_LAST_MESSAGE_AT);
    }

    /// Queues the reads of a membership; [`read_member`] takes the replies.
    pub(super) fn queue_member(&self, pipe: &mut Pipeline, room: RoomId, user: UserId) {
        pipe.hget(self.keys.members(room), user.to_string())
            .hget(self.keys.reads(room), user.to_string());
    }
}

/// Reads what [`RedisEngine::queue_room`] asked for; `None` if the room is gone.
/// Takes all of its replies either way, so the next reader starts at its own.
pub(super) fn read_room(replies: &mut Replies) -> Result<Option<(Room, RoomStats)>, EngineError> {
    let room: Option<String> = next_reply(replies)?;
    let member_count: u64 = next_reply(replies)?;
    let last_seq: Option<String> = next_reply(replies)?;
    let last_message_at: Option<String> = next_reply(replies)?;
    let Some(room) = room else {
        return Ok(None);
    };
    let stats = RoomStats {
        member_count,
        last_seq: last_seq.as_deref().map(parse_seq).transpose()?.unwrap_or(0),
        last_message_at: last_message_at.as_deref().map(parse_time).transpose()?,
    };
    Ok(Some((from_json(&room)?, stats)))
}

/// Reads what [`RedisEngine::queue_member`] asked for; `None` if not a member.
pub(super) fn read_member(replies: &mut Replies) -> Result<Option<Member>, EngineError> {
    let membership: Option<String> = next_reply(replies)?;
    let read: Option<String> = next_reply(replies)?;
    let Some(membership) = membership else {
        return Ok(None);
    };
    Ok(Some(Member {
        membership: from_json(&membership)?,
        last_read_seq: read.as_deref().map(parse_seq).transpose()?.unwrap_or(0),
    }))
}
