//! `POST /rooms/{id}/leave` (or `/rooms/leave {room_id}`, or `room.leave`).

use async_trait::async_trait;

use super::{Effects, RoomCommand, RoomContext, Target};
use crate::{
    core::{views::Done, ApiError},
    domain::ids::RoomId,
};

pub struct LeaveRoom {
    pub room_id: RoomId,
}

#[async_trait(?Send)]
impl RoomCommand for LeaveRoom {
    type Output = Done;

    fn target(&self) -> Target {
        Target::Room(self.room_id)
    }

    async fn run(self, ctx: &RoomContext, effects: &mut Effects) -> Result<Done, ApiError> {
        let loaded = ctx.load().await?;
        let user = loaded.access.member_id()?;
        ctx.engine.remove_member(loaded.room.id, user).await?;
        super::left(loaded.room.id, user, effects);
        Ok(Done {})
    }
}
