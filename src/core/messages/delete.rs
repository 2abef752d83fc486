//! `DELETE /messages/{id}` and `message.delete`: a soft delete by the sender, the
//! room's owner or admins, or the master key; the room is told (`message.deleted`).

use async_trait::async_trait;
use chrono::Utc;

use super::message_in_room;
use crate::{
    core::{
        events::Event,
        rooms::{Effects, RoomCommand, RoomContext, Target},
        update::compare_and_set,
        views::Done,
        ApiError, ErrorCode,
    },
    domain::ids::MessageId,
};

pub struct DeleteMessage {
    pub id: MessageId,
}

#[async_trait(?Send)]
impl RoomCommand for DeleteMessage {
    type Output = Done;

    fn target(&self) -> Target {
        Target::Message(self.id)
    }

    async fn run(self, ctx: &RoomContext, effects: &mut Effects) -> Result<Done, ApiError> {
        let loaded = ctx.load().await?;
        let access = &loaded.access;
        let caller_user = access.caller.user().map(|u| u.id);
        let manages = access.manages();
        let message = message_in_room(ctx.engine.as_ref(), loaded.room.id, self.id).await?;
        let deleted = compare_and_set(ctx.engine.as_ref(), message, |message| {
            if !manages && (access.member.is_none() || message.sender_id != caller_user) {
                return Err(if access.member.is_none() {
                    ErrorCode::NotAMember.into()
                } else {
                    ErrorCode::InsufficientPermissions.into()
                });
            }
            if message.deleted_at.is_some() {
                return Ok(false);
            }
            message.content.clear();
            message.reactions.clear();
            message.deleted_at = Some(Utc::now());
            Ok(true)
        })
        .await?;
        if let Some(deleted) = deleted.after {
            effects.emit(Event::MessageDeleted {
                id: deleted.id,
                room_id: deleted.room_id,
                seq: deleted.seq,
                deleted_at: deleted.deleted_at,
            });
        }
        Ok(Done {})
    }
}
