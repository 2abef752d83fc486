//! `DELETE /rooms/{id}`: the master key or the owner; members are told
//! (`room.deleted`).

use async_trait::async_trait;

use super::{Effects, RoomChange, RoomCommand, RoomContext, Target};
use crate::{
    core::{events::Event, views::Done, ApiError},
    domain::ids::RoomId,
};

pub struct DeleteRoom {
    pub room_id: RoomId,
}

#[async_trait(?Send)]
impl RoomCommand for DeleteRoom {
    type Output = Done;

    fn target(&self) -> Target {
        Target::Room(self.room_id)
    }

    async fn run(self, ctx: &RoomContext, effects: &mut Effects) -> Result<Done, ApiError> {
        let loaded = ctx.load().await?;
        loaded.access.require_owner()?;
        ctx.engine.delete_room(&loaded.room).await?;
        effects.emit(Event::RoomDeleted {
            room_id: loaded.room.id,
        });
        effects.room = RoomChange::Deleted;
        Ok(Done {})
    }
}
