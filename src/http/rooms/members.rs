//! `GET /rooms/{id}/members`, `POST /rooms/{id}/members {user_id, role?}`,
//! `DELETE /rooms/{id}/members/{user_id}`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{execute, respond, room_id};
use crate::{
    actors::room::{Reply, RoomCommand},
    auth::extract::Caller,
    domain::{ids::UserId, room::Role, validation::Validator},
    error::{ApiError, ErrorCode},
    http::{json::Json, paging::page_request, state::AppState},
};

#[derive(Debug, Deserialize)]
pub struct ListMembers {
    limit: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ListMembers>,
) -> Result<HttpResponse, ApiError> {
    let room = room_id(&id)?;
    let query = query.into_inner();
    let mut validator = Validator::default();
    let Some(page) = page_request(&mut validator, query.limit.as_deref(), query.cursor) else {
        return Err(ApiError::validation(validator.into_errors()));
    };
    Ok(respond(
        execute(&state, room, caller, RoomCommand::Members(page)).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    user_id: UserId,
    role: Option<Role>,
}

pub async fn add(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<AddMember>,
) -> Result<HttpResponse, ApiError> {
    let room = room_id(&id)?;
    let Json(AddMember { user_id, role }) = body;
    let command = RoomCommand::AddMember {
        user_id,
        role: role.unwrap_or(Role::Member),
    };
    match execute(&state, room, caller, command).await? {
        reply @ Reply::Membership(_) => Ok(HttpResponse::Created().json(reply)),
        reply => Ok(respond(reply)),
    }
}

pub async fn remove(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (room, user) = path.into_inner();
    let room = room_id(&room)?;
    let user_id = UserId::parse(&user).ok_or(ErrorCode::UserNotFound)?;
    Ok(respond(
        execute(&state, room, caller, RoomCommand::RemoveMember { user_id }).await?,
    ))
}
