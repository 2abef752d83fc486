//! `POST /rooms/{id}/read {seq}`: moves the caller's read position forward.

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
pub struct MarkRead {
    seq: u64,
}

pub async fn mark_read(
    caller: UserCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<MarkRead>,
) -> Result<HttpResponse, ApiError> {
    let room = room_id(&id)?;
    let command = RoomCommand::MarkRead { seq: body.0.seq };
    Ok(respond(
        execute(&state, room, Caller::User(caller), command).await?,
    ))
}
