//! `POST /rooms/{id}/join` (or `/rooms/join {room_id}`, or `room.join`): a user joins
//! a public group or channel; private and direct rooms are joined only by being added.

use async_trait::async_trait;
use chrono::Utc;

use super::{Effects, RoomCommand, RoomContext, Target};
use crate::{
    core::{views::MembershipBody, ApiError, ErrorCode},
    domain::{
        ids::RoomId,
        room::{Membership, Role, RoomType},
    },
};

pub struct JoinRoom {
    pub room_id: RoomId,
}

#[async_trait(?Send)]
impl RoomCommand for JoinRoom {
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
        let user = loaded.access.user()?;
        let room = loaded.room;
        if room.is_private || room.room_type == RoomType::Direct {
            return Err(ApiError::with_detail(
                ErrorCode::InsufficientPermissions,
                "This room is joined only by being added",
            ));
        }
        let membership = Membership {
            room_id: room.id,
            user_id: user,
            role: Role::Member,
            joined_at: Utc::now(),
        };
        super::add(ctx, &room, membership, effects).await
    }
}
