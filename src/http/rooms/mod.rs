//! `/rooms`: every request about one room is forwarded to that room's actor (through
//! the registry) as an [`Execute`]; the actor answers and fans out the event.

pub mod create;
pub mod delete;
pub mod direct;
pub mod list;
pub mod members;
pub mod membership;
pub mod presence;
pub mod read;
pub mod read_position;
pub mod update;

use actix_web::HttpResponse;

use crate::{
    actors::{
        messages::{Execute, ToRoom},
        room::{Reply, RoomCommand},
    },
    auth::extract::Caller,
    domain::ids::RoomId,
    error::{ApiError, ErrorCode},
    http::state::AppState,
};

/// Parses a room id from a path or body; an unparsable id is an unknown room.
pub fn room_id(text: &str) -> Result<RoomId, ApiError> {
    RoomId::parse(text).ok_or_else(|| ErrorCode::RoomNotFound.into())
}

/// Sends `command` to the room's actor and waits for its answer.
pub async fn execute(
    state: &AppState,
    room_id: RoomId,
    caller: Caller,
    command: RoomCommand,
) -> Result<Reply, ApiError> {
    let execute = Execute { caller, command };
    state
        .registry
        .send(ToRoom {
            room_id,
            execute,
            retried: false,
        })
        .await
        .map_err(|_| {
            ApiError::with_detail(ErrorCode::ServiceUnavailable, "The node is shutting down")
        })?
}

/// Runs `command` on the room whose id is `id` (from a path or a body) and answers.
pub async fn answer(
    state: &AppState,
    id: &str,
    caller: Caller,
    command: RoomCommand,
) -> Result<HttpResponse, ApiError> {
    let room = room_id(id)?;
    Ok(respond(execute(state, room, caller, command).await?))
}

/// The HTTP answer for a room reply: 204 for nothing, 201 for a new message.
pub fn respond(reply: Reply) -> HttpResponse {
    match reply {
        Reply::Done => HttpResponse::NoContent().finish(),
        Reply::Message { created: true, .. } => HttpResponse::Created().json(reply),
        reply => HttpResponse::Ok().json(reply),
    }
}
