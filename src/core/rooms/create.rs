//! `POST /rooms`: a new room; a scoped creator becomes its owner, `member_ids` join
//! as members.

use async_trait::async_trait;
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Effects, RoomChange, RoomCommand, RoomContext, Target};
use crate::{
    core::{analytics, auth::Caller, views::RoomBody, ApiError, ErrorCode},
    domain::{
        analytics::Counter,
        ids::{RoomId, UserId},
        room::{parse_max_members, Membership, Role, Room, RoomType, DEFAULT_MAX_MEMBERS},
        user::parse_metadata,
        validation::{parse_description, parse_name, FieldError, Validator},
    },
};

/// The fields of `POST /rooms`, as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomFields {
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    #[schema(max_length = 1000)]
    description: Option<String>,
    /// `direct` rooms are made by `POST /rooms/direct`.
    room_type: Option<RoomType>,
    is_private: Option<bool>,
    /// 2 to 100,000; 1000 when absent.
    #[schema(minimum = 2, maximum = 100_000)]
    max_members: Option<u32>,
    /// A JSON object of at most 4 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
    /// Users of the client who join as members.
    member_ids: Option<Vec<UserId>>,
}

/// A validated room, not yet stored.
pub struct CreateRoom {
    room: Room,
    member_ids: Vec<UserId>,
}

impl CreateRoom {
    /// Validates every field at once; direct rooms have their own route.
    pub fn parse(caller: &Caller, fields: RoomFields) -> Result<Self, ApiError> {
        let mut validator = Validator::default();
        let name = validator.check("name", parse_name(fields.name));
        let description = validator.check_opt("description", fields.description, parse_description);
        let max_members = validator.check_opt("max_members", fields.max_members, parse_max_members);
        let metadata = validator.check_opt("metadata", fields.metadata, parse_metadata);
        let room_type = validator.check(
            "room_type",
            match fields.room_type.unwrap_or_default() {
                RoomType::Direct => Err("direct rooms are made with POST /rooms/direct".into()),
                room_type => Ok(room_type),
            },
        );
        let (Some(name), Some(description), Some(max_members), Some(metadata), Some(room_type)) =
            (name, description, max_members, metadata, room_type)
        else {
            return Err(ApiError::validation(validator.into_errors()));
        };
        let now = Utc::now();
        let room = Room {
            id: RoomId::random_in(caller.client().id.shard()),
            client_id: caller.client().id,
            name,
            description,
            room_type,
            is_private: fields.is_private.unwrap_or(false),
            max_members: max_members.unwrap_or(DEFAULT_MAX_MEMBERS),
            created_by: caller.user().map(|u| u.id),
            metadata: metadata.unwrap_or_default(),
            created_at: now,
            updated_at: now,
        };
        Ok(Self {
            room,
            member_ids: fields.member_ids.unwrap_or_default(),
        })
    }

    /// The first members: the creator as owner, then each named user once.
    async fn members(&self, ctx: &RoomContext) -> Result<Vec<Membership>, ApiError> {
        let room = &self.room;
        let mut members: Vec<Membership> = Vec::new();
        let mut add = |user_id, role| {
            if !members.iter().any(|m| m.user_id == user_id) {
                members.push(Membership {
                    room_id: room.id,
                    user_id,
                    role,
                    joined_at: room.created_at,
                });
            }
        };
        if let Some(creator) = room.created_by {
            add(creator, Role::Owner);
        }
        for &user_id in &self.member_ids {
            match ctx.engine.get_user(user_id).await? {
                Some(user) if user.client_id == room.client_id && user.is_active => {
                    add(user_id, Role::Member)
                }
                _ => {
                    let error = FieldError::new("member_ids", format!("no active user {user_id}"));
                    return Err(ApiError::validation(vec![error]));
                }
            }
        }
        if members.len() > room.max_members as usize {
            return Err(ErrorCode::RoomFull.into());
        }
        Ok(members)
    }
}

#[async_trait(?Send)]
impl RoomCommand for CreateRoom {
    type Output = RoomBody;

    fn target(&self) -> Target {
        Target::Room(self.room.id)
    }

    async fn run(self, ctx: &RoomContext, effects: &mut Effects) -> Result<RoomBody, ApiError> {
        let members = self.members(ctx).await?;
        ctx.engine.create_room(&self.room, &members).await?;
        analytics::count(
            ctx.engine.as_ref(),
            self.room.client_id,
            Counter::RoomCreated,
        )
        .await;
        for member in &members {
            // A new room: every message is its members'.
            effects.joined(member.user_id, 0);
        }
        effects.room = RoomChange::Created;
        super::room_body(ctx, self.room).await
    }
}
