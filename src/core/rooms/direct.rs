//! `POST /rooms/direct {user_id}`: the caller's direct room with another user, made
//! once per pair; asking again returns the same room.

use chrono::Utc;

use super::ReadRoom;
use crate::{
    core::{
        analytics,
        auth::{Caller, UserCaller},
        views::{Made, RoomBody},
        ApiError, Core, ErrorCode,
    },
    domain::analytics::Counter,
    domain::{
        ids::{RoomId, UserId},
        room::{Membership, Role, Room, RoomType},
    },
};

impl Core {
    /// The pair's room: `Made::New` the first time, `Made::Existing` after.
    pub async fn direct_room(
        &self,
        caller: UserCaller,
        other: UserId,
    ) -> Result<Made<RoomBody>, ApiError> {
        match self.engine.get_user(other).await? {
            Some(user)
                if user.client_id == caller.client.id
                    && user.is_active
                    && other != caller.user.id => {}
            _ => return Err(ErrorCode::UserNotFound.into()),
        }
        let now = Utc::now();
        let me = caller.user.id;
        let room = Room {
            id: RoomId::random_in(caller.client.id.shard()),
            client_id: caller.client.id,
            name: format!("{} & {}", caller.user.username.as_str(), other),
            description: None,
            room_type: RoomType::Direct,
            is_private: true,
            max_members: 2,
            created_by: Some(me),
            metadata: Default::default(),
            created_at: now,
            updated_at: now,
        };
        let member = |user_id| Membership {
            room_id: room.id,
            user_id,
            role: Role::Member,
            joined_at: now,
        };
        let pair = [member(me), member(other)];
        let room_id = self.engine.create_direct_room(&room, &pair).await?;
        let created = room_id == room.id;
        if created {
            analytics::count(self.engine.as_ref(), room.client_id, Counter::RoomCreated).await;
            for user_id in [me, other] {
                self.joined(room_id, user_id);
            }
        }
        let body = self.run(Caller::User(caller), ReadRoom { room_id }).await?;
        Ok(if created {
            Made::New(body)
        } else {
            Made::Existing(body)
        })
    }
}
