//! `POST /messages/{id}/reactions {emoji}` / `reaction.add`, and
//! `DELETE /messages/{id}/reactions/{emoji}` / `reaction.remove`: a member reacts;
//! the room is told (`reaction.updated`).

use async_trait::async_trait;

use super::message_in_room;
use crate::{
    core::{
        events::Event,
        rooms::{Effects, RoomCommand, RoomContext, Target},
        update::compare_and_set,
        views::{Done, MessageBody},
        ApiError, ErrorCode,
    },
    domain::{
        ids::MessageId,
        message::{parse_emoji, Message, MAX_REACTIONS_PER_MESSAGE},
        validation::FieldError,
    },
};

pub struct AddReaction {
    id: MessageId,
    emoji: String,
}

pub struct RemoveReaction {
    id: MessageId,
    emoji: String,
}

impl AddReaction {
    pub fn parse(id: MessageId, emoji: String) -> Result<Self, ApiError> {
        Ok(Self {
            id,
            emoji: emoji_field(emoji)?,
        })
    }
}

impl RemoveReaction {
    pub fn parse(id: MessageId, emoji: String) -> Result<Self, ApiError> {
        Ok(Self {
            id,
            emoji: emoji_field(emoji)?,
        })
    }
}

fn emoji_field(emoji: String) -> Result<String, ApiError> {
    parse_emoji(emoji).map_err(|m| ApiError::validation(vec![FieldError::new("emoji", m)]))
}

/// Adds or removes the member's `emoji` on the message and tells the room. A new
/// emoji past [`MAX_REACTIONS_PER_MESSAGE`] is refused; the check runs on the message
/// as the compare-and-set read it, so it holds however many nodes react at once.
async fn react(
    ctx: &RoomContext,
    effects: &mut Effects,
    id: MessageId,
    emoji: &str,
    add: bool,
) -> Result<Message, ApiError> {
    let loaded = ctx.load().await?;
    let user = loaded.access.member_id()?;
    let message = message_in_room(ctx.engine.as_ref(), loaded.room.id, id).await?;
    let message = compare_and_set(ctx.engine.as_ref(), message, |message| {
        if message.deleted_at.is_some() {
            return Err(ErrorCode::MessageNotFound.into());
        }
        let full = message.reactions.len() >= MAX_REACTIONS_PER_MESSAGE;
        if add && full && !message.reactions.contains_key(emoji) {
            return Err(ApiError::validation(vec![FieldError::new(
                "emoji",
                format!("a message holds at most {MAX_REACTIONS_PER_MESSAGE} distinct emoji"),
            )]));
        }
        let users = message.reactions.entry(emoji.to_owned()).or_default();
        let changed = if add {
            users.insert(user)
        } else {
            users.remove(&user)
        };
        message.reactions.retain(|_, users| !users.is_empty());
        Ok(changed)
    })
    .await?
    .current();
    effects.emit(Event::ReactionUpdated {
        message_id: message.id,
        room_id: message.room_id,
        reactions: message.reaction_counts(),
    });
    Ok(message)
}

#[async_trait(?Send)]
impl RoomCommand for AddReaction {
    type Output = MessageBody;

    fn target(&self) -> Target {
        Target::Message(self.id)
    }

    async fn run(self, ctx: &RoomContext, effects: &mut Effects) -> Result<MessageBody, ApiError> {
        let message = react(ctx, effects, self.id, &self.emoji, true).await?;
        Ok(MessageBody::from(&message))
    }
}

#[async_trait(?Send)]
impl RoomCommand for RemoveReaction {
    type Output = Done;

    fn target(&self) -> Target {
        Target::Message(self.id)
    }

    async fn run(self, ctx: &RoomContext, effects: &mut Effects) -> Result<Done, ApiError> {
        react(ctx, effects, self.id, &self.emoji, false).await?;
        Ok(Done {})
    }
}
