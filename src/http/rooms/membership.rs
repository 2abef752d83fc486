//! Joining and leaving: `POST /rooms/join {room_id}` (the guide's form) and
//! `POST /rooms/{id}/join`; likewise `leave`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{execute, respond, room_id};
use crate::{
    actors::room::RoomCommand,
    auth::extract::{Caller, UserCaller},
    error::ApiError,
    http::{json::Json, state::AppState},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomRef {
    room_id: String,
}

pub async fn join(
    caller: UserCaller,
    state: web::Data<AppState>,
    body: Json<RoomRef>,
) -> Result<HttpResponse, ApiError> {
    run(caller, &state, &body.0.room_id, RoomCommand::Join).await
}

pub async fn join_path(
    caller: UserCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    run(caller, &state, &id, RoomCommand::Join).await
}

pub async fn leave(
    caller: UserCaller,
    state: web::Data<AppState>,
    body: Json<RoomRef>,
) -> Result<HttpResponse, ApiError> {
    run(caller, &state, &body.0.room_id, RoomCommand::Leave).await
}

pub async fn leave_path(
    caller: UserCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    run(caller, &state, &id, RoomCommand::Leave).await
}

async fn run(
    caller: UserCaller,
    state: &AppState,
    room: &str,
    command: RoomCommand,
) -> Result<HttpResponse, ApiError> {
    let room = room_id(room)?;
    Ok(respond(
        execute(state, room, Caller::User(caller), command).await?,
    ))
}
