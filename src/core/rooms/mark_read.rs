//! `POST /rooms/{id}/read {seq}` and `read`: a member's read position moves forward
//! (never past the newest message); the room is told (`read`).

use async_trait::async_trait;

use super::{Effects, RoomCommand, RoomContext, Target};
use crate::{
    core::{events::Event, views::ReadBody, ApiError, ErrorCode},
    domain::ids::RoomId,
};

pub struct MarkRead {
    pub room_id: RoomId,
    pub seq: u64,
}

#[async_trait(?Send)]
impl RoomCommand for MarkRead {
    type Output = ReadBody;

    fn target(&self) -> Target {
        Target::Room(self.room_id)
    }

    async fn run(self, ctx: &RoomContext, effects: &mut Effects) -> Result<ReadBody, ApiError> {
        let loaded = ctx.load().await?;
        let user = loaded.access.member_id()?;
        let room = loaded.room.id;
        let last_seq = loaded.stats.last_seq;
        let position = ctx
            .engine
            .mark_read(room, user, self.seq.min(last_seq))
            .await?;
        let position = position.ok_or(ErrorCode::NotAMember)?;
        effects.emit(Event::Read {
            room_id: room,
            user_id: user,
            seq: position,
        });
        Ok(ReadBody {
            room_id: room,
            last_read_seq: position,
            unread_count: last_seq.saturating_sub(position),
        })
    }
}
