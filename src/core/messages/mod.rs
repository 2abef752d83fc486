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
    send::{MessageFields, SendMessage},
};
use crate::{
    core::{rooms::RoomContext, ApiError, ErrorCode},
    domain::{
        ids::{MessageId, RoomId},
        message::Message,
    },
};

/// The message, if it lives in `room`; `MESSAGE_NOT_FOUND` otherwise.
async fn message_in_room(
    ctx: &RoomContext,
    room: RoomId,
    id: MessageId,
) -> Result<Message, ApiError> {
    match ctx.engine.get_message(id).await? {
        Some(message) if message.room_id == room => Ok(message),
        _ => Err(ErrorCode::MessageNotFound.into()),
    }
}
