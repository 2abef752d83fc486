//! Messages (`API.md` §5). Each request about a message is a room command run by the
//! actor of the message's room, one file each.

mod delete;
mod edit;
mod history;
mod reactions;
mod read;
mod send;

pub use self::{
    delete::DeleteMessage,
    edit::EditMessage,
    history::History,
    reactions::{AddReaction, RemoveReaction},
    read::ReadMessage,
    send::{send_batch, MessageFields, QueuedSend, SendMessage, Sent},
};
use crate::{
    core::{ApiError, ErrorCode},
    domain::{
        ids::{MessageId, RoomId},
        message::Message,
    },
    engine::Engine,
};

/// The message, if it lives in `room`; `MESSAGE_NOT_FOUND` otherwise.
async fn message_in_room(
    engine: &dyn Engine,
    room: RoomId,
    id: MessageId,
) -> Result<Message, ApiError> {
    match engine.get_message(id).await? {
        Some(message) if message.room_id == room => Ok(message),
        _ => Err(ErrorCode::MessageNotFound.into()),
    }
}
