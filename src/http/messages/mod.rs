//! `/messages` and a room's history. A message request goes to the actor of the
//! message's room, like every room request.

pub mod create;
pub mod delete;
pub mod history;
pub mod reactions;
pub mod read;
pub mod update;

use crate::{
    domain::ids::{MessageId, RoomId},
    error::{ApiError, ErrorCode},
    http::state::AppState,
};

/// The message's id and the room it lives in; an unknown id is `MESSAGE_NOT_FOUND`.
pub async fn locate(state: &AppState, id: &str) -> Result<(MessageId, RoomId), ApiError> {
    let id = MessageId::parse(id).ok_or(ErrorCode::MessageNotFound)?;
    let message = state.engine.get_message(id).await?;
    let message = message.ok_or(ErrorCode::MessageNotFound)?;
    Ok((id, message.room_id))
}
