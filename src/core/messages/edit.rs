//! `PATCH /messages/{id} {content}` and `message.edit`: the sender edits its message;
//! the room is told (`message.updated`).

use async_trait::async_trait;
use chrono::Utc;

use super::message_in_room;
use crate::{
    core::{
        events::Event,
        rooms::{Effects, RoomCommand, RoomContext, Target},
        update::compare_and_set,
        views::MessageBody,
        ApiError, ErrorCode,
    },
    domain::{ids::MessageId, message::parse_content, validation::FieldError},
};

pub struct EditMessage {
    id: MessageId,
    content: String,
}

impl EditMessage {
    pub fn parse(id: MessageId, content: String) -> Result<Self, ApiError> {
        let content = parse_content(content)
            .map_err(|m| ApiError::validation(vec![FieldError::new("content", m)]))?;
        Ok(Self { id, content })
    }
}

#[async_trait(?Send)]
impl RoomCommand for EditMessage {
    type Output = MessageBody;

    fn target(&self) -> Target {
        Target::Message(self.id)
    }

    async fn run(self, ctx: &RoomContext, effects: &mut Effects) -> Result<MessageBody, ApiError> {
        let loaded = ctx.load().await?;
        let user = loaded.access.member_id()?;
        let message = message_in_room(ctx.engine.as_ref(), loaded.room.id, self.id).await?;
        let edited = compare_and_set(ctx.engine.as_ref(), message, |message| {
            if message.deleted_at.is_some() {
                return Err(ErrorCode::MessageNotFound.into());
            }
            if message.sender_id != Some(user) {
                return Err(ApiError::with_detail(
                    ErrorCode::InsufficientPermissions,
                    "Only the sender may edit a message",
                ));
            }
            message.content.clone_from(&self.content);
            message.edited_at = Some(Utc::now());
            Ok(true)
        })
        .await?
        .current();
        let body = MessageBody::from(&edited);
        effects.emit(Event::MessageUpdated(body.clone()));
        Ok(body)
    }
}
