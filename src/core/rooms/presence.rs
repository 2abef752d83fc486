//! `GET /rooms/{id}/presence` and `presence.query`: who is online in the room, on any
//! node.

use async_trait::async_trait;

use super::{Effects, RoomCommand, RoomContext, Target};
use crate::{
    core::{views::PresenceBody, ApiError},
    domain::ids::RoomId,
};

pub struct QueryPresence {
    pub room_id: RoomId,
}

#[async_trait(?Send)]
impl RoomCommand for QueryPresence {
    type Output = PresenceBody;

    fn target(&self) -> Target {
        Target::Room(self.room_id)
    }

    async fn run(self, ctx: &RoomContext, _: &mut Effects) -> Result<PresenceBody, ApiError> {
        let loaded = ctx.load().await?;
        loaded.access.require_insider()?;
        let online = ctx.engine.presence_online(loaded.room.id).await?;
        let count = online.len();
        Ok(PresenceBody { online, count })
    }
}
