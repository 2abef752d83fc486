//! `POST /rooms`: creates a room; a scoped creator becomes its owner.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::execute;
use crate::{
    actors::room::{Reply, RoomCommand},
    auth::extract::Caller,
    domain::{
        ids::{RoomId, UserId},
        room::{parse_max_members, Membership, Role, Room, RoomType, DEFAULT_MAX_MEMBERS},
        user::parse_metadata,
        validation::{parse_description, parse_name, FieldError, Validator},
    },
    error::{ApiError, ErrorCode},
    http::{json::Json, state::AppState},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRoom {
    name: String,
    description: Option<String>,
    room_type: Option<RoomType>,
    is_private: Option<bool>,
    max_members: Option<u32>,
    metadata: Option<serde_json::Value>,
    member_ids: Option<Vec<UserId>>,
}

#[tracing::instrument(skip_all, fields(client_id = %caller.client().id))]
pub async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: Json<CreateRoom>,
) -> Result<HttpResponse, ApiError> {
    let Json(body) = body;
    let mut validator = Validator::default();
    let name = validator.check("name", parse_name(body.name));
    let description = validator.check_opt("description", body.description, parse_description);
    let max_members = validator.check_opt("max_members", body.max_members, parse_max_members);
    let metadata = validator.check_opt("metadata", body.metadata, parse_metadata);
    let room_type = validator.check(
        "room_type",
        match body.room_type.unwrap_or_default() {
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
    let client = caller.client().id;
    let room = Room {
        id: RoomId::random(),
        client_id: client,
        name,
        description,
        room_type,
        is_private: body.is_private.unwrap_or(false),
        max_members: max_members.unwrap_or(DEFAULT_MAX_MEMBERS),
        created_by: caller.user().map(|u| u.id),
        metadata: metadata.unwrap_or_default(),
        created_at: now,
        updated_at: now,
    };
    let mut members: Vec<Membership> = Vec::new();
    let mut add = |user_id, role| {
        if !members.iter().any(|m: &Membership| m.user_id == user_id) {
            members.push(Membership {
                room_id: room.id,
                user_id,
                role,
                joined_at: now,
            });
        }
    };
    if let Some(creator) = room.created_by {
        add(creator, Role::Owner);
    }
    for user_id in body.member_ids.unwrap_or_default() {
        match state.engine.get_user(user_id).await? {
            Some(user) if user.client_id == client && user.is_active => add(user_id, Role::Member),
            _ => {
                let error = FieldError::new("member_ids", format!("no active user {user_id}"));
                return Err(ApiError::validation(vec![error]));
            }
        }
    }
    if members.len() > room.max_members as usize {
        return Err(ErrorCode::RoomFull.into());
    }
    match execute(
        &state,
        room.id,
        caller,
        RoomCommand::Create { room, members },
    )
    .await?
    {
        reply @ Reply::Room(_) => Ok(HttpResponse::Created().json(reply)),
        reply => Ok(super::respond(reply)),
    }
}
