//! `PATCH /rooms/{id}`: the master key, the owner or an admin edits the room; members
//! are told (`room.updated`).

use async_trait::async_trait;
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Effects, RoomCommand, RoomContext, Target};
use crate::{
    core::{events::Event, views::RoomBody, ApiError},
    domain::{
        ids::RoomId,
        room::parse_max_members,
        user::{parse_metadata, Metadata},
        validation::{parse_description, parse_name, Validator},
    },
};

/// The editable fields of a room, as sent; absent ones stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomChangeFields {
    #[schema(min_length = 1, max_length = 100)]
    name: Option<String>,
    #[schema(max_length = 1000)]
    description: Option<String>,
    is_private: Option<bool>,
    #[schema(minimum = 2, maximum = 100_000)]
    max_members: Option<u32>,
    /// A JSON object of at most 4 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
}

pub struct UpdateRoom {
    room_id: RoomId,
    name: Option<String>,
    description: Option<String>,
    is_private: Option<bool>,
    max_members: Option<u32>,
    metadata: Option<Metadata>,
}

impl UpdateRoom {
    /// Validates every field sent, reporting each bad one.
    pub fn parse(room_id: RoomId, fields: RoomChangeFields) -> Result<Self, ApiError> {
        let mut validator = Validator::default();
        let name = validator.check_opt("name", fields.name, parse_name);
        let description = validator.check_opt("description", fields.description, parse_description);
        let max_members = validator.check_opt("max_members", fields.max_members, parse_max_members);
        let metadata = validator.check_opt("metadata", fields.metadata, parse_metadata);
        let (Some(name), Some(description), Some(max_members), Some(metadata)) =
            (name, description, max_members, metadata)
        else {
            return Err(ApiError::validation(validator.into_errors()));
        };
        Ok(Self {
            room_id,
            name,
            description,
            is_private: fields.is_private,
            max_members,
            metadata,
        })
    }
}

#[async_trait(?Send)]
impl RoomCommand for UpdateRoom {
    type Output = RoomBody;

    fn target(&self) -> Target {
        Target::Room(self.room_id)
    }

    async fn run(self, ctx: &RoomContext, effects: &mut Effects) -> Result<RoomBody, ApiError> {
        let loaded = ctx.load().await?;
        loaded.access.require_manager()?;
        let mut room = loaded.room;
        if let Some(name) = self.name {
            room.name = name;
        }
        if let Some(description) = self.description {
            room.description = Some(description);
        }
        if let Some(is_private) = self.is_private {
            room.is_private = is_private;
        }
        if let Some(max_members) = self.max_members {
            room.max_members = max_members;
        }
        if let Some(metadata) = self.metadata {
            room.metadata = metadata;
        }
        room.updated_at = Utc::now();
        ctx.engine.update_room(&room).await?;
        let body = super::room_body(ctx, room).await?;
        effects.emit(Event::RoomUpdated(body.clone()));
        Ok(body)
    }
}
