//! `/messages` and a room's history. A message request goes to the actor of the
//! message's room, like every room request.

pub mod create;
pub mod delete;
pub mod history;
pub mod reactions;
pub mod read;
pub mod update;

use actix_web::HttpResponse;

use crate::{
    actors::room::RoomCommand,
    auth::extract::Caller,
    domain::ids::{MessageId, RoomId},
    error::{ApiError, ErrorCode},
    http::{
        rooms::{execute, respond},
        state::AppState,
    },
};

/// Runs the command made from the message's id on the message's room and answers.
pub async fn answer(
    state: &AppState,
    id: &str,
    caller: Caller,
    command: impl FnOnce(MessageId) -> RoomCommand,
) -> Result<HttpResponse, ApiError> {
    let (id, room) = locate(state, id).await?;
    Ok(respond(execute(state, room, caller, command(id)).await?))
}

/// The message's id and the room it lives in; an unknown id is `MESSAGE_NOT_FOUND`.
pub async fn locate(state: &AppState, id: &str) -> Result<(MessageId, RoomId), ApiError> {
    let id = MessageId::parse(id).ok_or(ErrorCode::MessageNotFound)?;
    Ok((id, room_of(state, id).await?))
}

/// The room a message lives in; `MESSAGE_NOT_FOUND` if there is no such message.
pub async fn room_of(state: &AppState, id: MessageId) -> Result<RoomId, ApiError> {
    let message = state.engine.get_message(id).await?;
    Ok(message.ok_or(ErrorCode::MessageNotFound)?.room_id)
}
