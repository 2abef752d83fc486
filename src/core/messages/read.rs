//! `GET /messages/{id}`: the master key or a member of the message's room.

use async_trait::async_trait;

use super::message_in_room;
use crate::{
    core::{
        rooms::{Effects, RoomCommand, RoomContext, Target},
        views::MessageBody,
        ApiError,
    },
    domain::ids::MessageId,
};

pub struct ReadMessage {
    pub id: MessageId,
}

#[async_trait(?Send)]
impl RoomCommand for ReadMessage {
    type Output = MessageBody;

    fn target(&self) -> Target {
        Target::Message(self.id)
    }

    async fn run(self, ctx: &RoomContext, _: &mut Effects) -> Result<MessageBody, ApiError> {
        let loaded = ctx.load().await?;
        loaded.access.require_insider()?;
        let message = message_in_room(ctx.engine.as_ref(), loaded.room.id, self.id).await?;
        Ok(MessageBody::from(&message))
    }
}
