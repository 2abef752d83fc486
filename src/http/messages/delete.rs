//! `DELETE /messages/{id}`: soft delete by the sender, the room's owner or admins, or
//! the master key.

use actix_web::{web, HttpResponse};

use super::locate;
use crate::{
    actors::room::RoomCommand,
    auth::extract::Caller,
    error::ApiError,
    http::{
        rooms::{execute, respond},
        state::AppState,
    },
};

pub async fn delete(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (id, room) = locate(&state, &id).await?;
    Ok(respond(
        execute(&state, room, caller, RoomCommand::DeleteMessage { id }).await?,
    ))
}
