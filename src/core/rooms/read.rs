//! `GET /rooms/{id}`: public rooms are readable by any user of the client, private
//! ones by the master key and members.

use async_trait::async_trait;

use super::{Effects, RoomCommand, RoomContext, Target};
use crate::{
    core::{views::RoomBody, ApiError},
    domain::ids::RoomId,
};

pub struct ReadRoom {
    pub room_id: RoomId,
}

#[async_trait(?Send)]
impl RoomCommand for ReadRoom {
    type Output = RoomBody;

    fn target(&self) -> Target {
        Target::Room(self.room_id)
    }

    async fn run(self, ctx: &RoomContext, _: &mut Effects) -> Result<RoomBody, ApiError> {
        let loaded = ctx.load().await?;
        if loaded.room.is_private {
            loaded.access.require_insider()?;
        }
        Ok(RoomBody::new(
            loaded.room,
            loaded.stats,
            &ctx.node.inactivity,
        ))
    }
}
