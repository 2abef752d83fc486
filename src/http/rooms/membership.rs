//! Joining and leaving: `POST /rooms/join {room_id}` (the guide's form) and
//! `POST /rooms/{id}/join`; likewise `leave`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::answer;
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
    answer(
        &state,
        &body.0.room_id,
        Caller::User(caller),
        RoomCommand::Join,
    )
    .await
}

pub async fn join_path(
    caller: UserCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    answer(&state, &id, Caller::User(caller), RoomCommand::Join).await
}

pub async fn leave(
    caller: UserCaller,
    state: web::Data<AppState>,
    body: Json<RoomRef>,
) -> Result<HttpResponse, ApiError> {
    answer(
        &state,
        &body.0.room_id,
        Caller::User(caller),
        RoomCommand::Leave,
    )
    .await
}

pub async fn leave_path(
    caller: UserCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    answer(&state, &id, Caller::User(caller), RoomCommand::Leave).await
}
