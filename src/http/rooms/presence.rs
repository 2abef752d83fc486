//! `GET /rooms/{id}/presence`: who has a live connection to the room.

use actix_web::{web, HttpResponse};

use super::{execute, respond, room_id};
use crate::{
    actors::room::RoomCommand, auth::extract::Caller, error::ApiError, http::state::AppState,
};

pub async fn presence(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let room = room_id(&id)?;
    Ok(respond(
        execute(&state, room, caller, RoomCommand::Presence).await?,
    ))
}
