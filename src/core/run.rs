//! The one way into a room, for REST and WebSocket alike: a command goes to its
//! room's actor through the registry, which starts the actor if need be.

use super::{
    actors::{
        messages::{Execute, MembershipChanged, ToRoom},
        room::RoomActor,
        Tell,
    },
    auth::Caller,
    rooms::{RoomRequest, Target},
    ApiError, Core, ErrorCode,
};
use actix::Handler;

use crate::domain::ids::{MessageId, RoomId, UserId};

impl Core {
    /// Runs `command` on its room's actor and waits for the answer.
    pub async fn run<C: RoomRequest>(
        &self,
        caller: Caller,
        command: C,
    ) -> Result<C::Output, ApiError>
    where
        RoomActor: Handler<Execute<C>>,
    {
        let room_id = match command.target() {
            Target::Room(room_id) => room_id,
            Target::Message(message_id) => self.room_of(message_id).await?,
        };
        let execute = Execute { caller, command };
        self.registry
            .send(ToRoom { room_id, execute })
            .await
            .map_err(|_| {
                ApiError::with_detail(ErrorCode::ServiceUnavailable, "The node is shutting down")
            })?
    }

    /// Tells every node's sessions of a user that joined a new room outside any room
    /// command (a direct room made for a pair), so they subscribe to it.
    pub fn joined(&self, room_id: RoomId, user_id: UserId) {
        self.registry.tell(MembershipChanged {
            room_id,
            user_id,
            joined: true,
            // A new room: every message is its members'.
            after: Some(0),
        });
    }

    /// The room a message lives in; `MESSAGE_NOT_FOUND` if there is no such message.
    async fn room_of(&self, id: MessageId) -> Result<RoomId, ApiError> {
        let message = self.engine.get_message(id).await?;
        Ok(message.ok_or(ErrorCode::MessageNotFound)?.room_id)
    }
}
