//! `PATCH /rooms/{id}`: master, owner or admin; members are told (`room.updated`).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{execute, respond, room_id};
use crate::{
    actors::room::{RoomChanges, RoomCommand},
    auth::extract::Caller,
    domain::{
        room::parse_max_members,
        user::parse_metadata,
        validation::{parse_description, parse_name, Validator},
    },
    error::ApiError,
    http::{json::Json, state::AppState},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateRoom {
    name: Option<String>,
    description: Option<String>,
    is_private: Option<bool>,
    max_members: Option<u32>,
    metadata: Option<serde_json::Value>,
}

pub async fn update(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<UpdateRoom>,
) -> Result<HttpResponse, ApiError> {
    let room = room_id(&id)?;
    let Json(body) = body;
    let mut validator = Validator::default();
    let name = validator.check_opt("name", body.name, parse_name);
    let description = validator.check_opt("description", body.description, parse_description);
    let max_members = validator.check_opt("max_members", body.max_members, parse_max_members);
    let metadata = validator.check_opt("metadata", body.metadata, parse_metadata);
    let (Some(name), Some(description), Some(max_members), Some(metadata)) =
        (name, description, max_members, metadata)
    else {
        return Err(ApiError::validation(validator.into_errors()));
    };
    let changes = RoomChanges {
        name,
        description,
        is_private: body.is_private,
        max_members,
        metadata,
    };
    Ok(respond(
        execute(&state, room, caller, RoomCommand::Update(changes)).await?,
    ))
}
