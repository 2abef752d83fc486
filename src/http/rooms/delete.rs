//! `DELETE /rooms/{id}`: master or owner; members are told (`room.deleted`).

use actix_web::{web, HttpResponse};

use super::{execute, respond, room_id};
use crate::{
    actors::room::RoomCommand, auth::extract::Caller, error::ApiError, http::state::AppState,
};

pub async fn delete(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let room = room_id(&id)?;
    Ok(respond(
        execute(&state, room, caller, RoomCommand::Delete).await?,
    ))
}
