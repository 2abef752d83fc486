//! `DELETE /rooms/{id}/members/{user_id}`: the master key, the owner or an admin
//! removes a member; only the owner removes an owner.

use async_trait::async_trait;

use super::{Effects, RoomCommand, RoomContext, Target};
use crate::{
    core::{views::Done, ApiError, ErrorCode},
    domain::{
        ids::{RoomId, UserId},
        room::Role,
    },
};

pub struct RemoveMember {
    pub room_id: RoomId,
    pub user_id: UserId,
}

#[async_trait(?Send)]
impl RoomCommand for RemoveMember {
    type Output = Done;

    fn target(&self) -> Target {
        Target::Room(self.room_id)
    }

    async fn run(self, ctx: &RoomContext, effects: &mut Effects) -> Result<Done, ApiError> {
        let loaded = ctx.load().await?;
        loaded.access.require_manager()?;
        let room = loaded.room.id;
        let target = ctx.engine.get_member(room, self.user_id).await?;
        let target = target
            .ok_or_else(|| ApiError::with_detail(ErrorCode::UserNotFound, "No such member"))?;
        if target.membership.role == Role::Owner && loaded.access.require_owner().is_err() {
            return Err(ErrorCode::InsufficientPermissions.into());
        }
        ctx.engine.remove_member(room, self.user_id).await?;
        super::left(room, self.user_id, effects);
        Ok(Done {})
    }
}
