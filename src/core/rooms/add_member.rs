//! `POST /rooms/{id}/members {user_id, role?}`: the master key, the owner or an admin
//! adds a user of the client; only the owner adds an owner.

use async_trait::async_trait;
use chrono::Utc;

use super::{Effects, RoomCommand, RoomContext, Target};
use crate::{
    core::{views::MembershipBody, ApiError, ErrorCode},
    domain::{
        ids::{RoomId, UserId},
        room::{Membership, Role, RoomType},
    },
};

pub struct AddMember {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub role: Role,
}

#[async_trait(?Send)]
impl RoomCommand for AddMember {
    type Output = MembershipBody;

    fn target(&self) -> Target {
        Target::Room(self.room_id)
    }

    async fn run(
        self,
        ctx: &RoomContext,
        effects: &mut Effects,
    ) -> Result<MembershipBody, ApiError> {
        let loaded = ctx.load().await?;
        let access = &loaded.access;
        let room = &loaded.room;
        access.require_manager()?;
        if room.room_type == RoomType::Direct {
            return Err(ApiError::with_detail(
                ErrorCode::InsufficientPermissions,
                "A direct room has exactly two members",
            ));
        }
        if self.role == Role::Owner && access.require_owner().is_err() {
            return Err(ApiError::with_detail(
                ErrorCode::InsufficientPermissions,
                "Only the owner may add an owner",
            ));
        }
        match ctx.engine.get_user(self.user_id).await? {
            Some(user) if user.client_id == room.client_id && user.is_active => {}
            _ => return Err(ErrorCode::UserNotFound.into()),
        }
        let membership = Membership {
            room_id: room.id,
            user_id: self.user_id,
            role: self.role,
            joined_at: Utc::now(),
        };
        super::add(ctx, room, membership, effects).await
    }
}
