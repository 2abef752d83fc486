//! `POST /messages` and `message.send`: a member sends to a room; the master key sends
//! `system` messages. A repeated `client_msg_id` returns the original.

use async_trait::async_trait;
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::message_in_room;
use crate::{
    core::{
        auth::Caller,
        events::Event,
        limits::Metered,
        rooms::{Effects, RoomCommand, RoomContext, Target},
        views::{Made, MessageBody},
        ApiError, ErrorCode,
    },
    domain::{
        ids::{MessageId, RoomId},
        message::{parse_client_msg_id, parse_content, Appended, Message, MessageType},
        room::RoomType,
        user::{parse_metadata, Metadata},
        validation::Validator,
    },
};

/// The fields of `POST /messages` and of `message.send`'s data, as sent. The room is
/// text on REST (an unparsable id is an unknown room) and an id on WebSocket (where a
/// malformed one is bad data).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageFields<R = RoomId> {
    #[schema(value_type = RoomId)]
    pub room_id: R,
    #[schema(min_length = 1, max_length = 10_000)]
    pub content: String,
    /// `text` when absent; `system` takes the master key.
    #[schema(value_type = Option<MessageType>)]
    pub message_type: Option<String>,
    /// A JSON object of at most 4 KiB.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
    /// A message of the same room.
    pub reply_to: Option<MessageId>,
    /// Makes the send idempotent for 24 h: a resend by the same sender answers the
    /// original (200).
    #[schema(min_length = 1, max_length = 128)]
    pub client_msg_id: Option<String>,
}

impl<R> MessageFields<R> {
    /// The same fields with the room read as `room_id`.
    pub fn with_room(self, room_id: RoomId) -> MessageFields {
        MessageFields {
            room_id,
            content: self.content,
            message_type: self.message_type,
            metadata: self.metadata,
            reply_to: self.reply_to,
            client_msg_id: self.client_msg_id,
        }
    }
}

/// A validated message to send.
pub struct SendMessage {
    room_id: RoomId,
    content: String,
    message_type: MessageType,
    metadata: Metadata,
    reply_to: Option<MessageId>,
    client_msg_id: Option<String>,
}

impl SendMessage {
    /// Validates the fields, REST and WebSocket alike, reporting every bad one.
    pub fn parse(fields: MessageFields) -> Result<Self, ApiError> {
        let mut validator = Validator::default();
        let content = validator.check("content", parse_content(fields.content));
        let message_type = validator.check_opt("message_type", fields.message_type, |text| {
            serde_json::from_value(serde_json::Value::String(text))
                .map_err(|_| "must be text, image, file, system or custom".to_owned())
        });
        let metadata = validator.check_opt("metadata", fields.metadata, parse_metadata);
        let client_msg_id =
            validator.check_opt("client_msg_id", fields.client_msg_id, parse_client_msg_id);
        let (Some(content), Some(message_type), Some(metadata), Some(client_msg_id)) =
            (content, message_type, metadata, client_msg_id)
        else {
            return Err(ApiError::validation(validator.into_errors()));
        };
        Ok(Self {
            room_id: fields.room_id,
            content,
            message_type: message_type.unwrap_or_default(),
            metadata: metadata.unwrap_or_default(),
            reply_to: fields.reply_to,
            client_msg_id,
        })
    }
}

#[async_trait(?Send)]
impl RoomCommand for SendMessage {
    type Output = Metered<Made<MessageBody>>;

    fn target(&self) -> Target {
        Target::Room(self.room_id)
    }

    /// Members send; in a channel only the owner and admins do. `system` messages are
    /// the master key's alone, and it sends nothing else. A user's sends draw from its
    /// message limit, in the append's own round trip.
    async fn run(
        self,
        ctx: &RoomContext,
        effects: &mut Effects,
    ) -> Result<Metered<Made<MessageBody>>, ApiError> {
        let loaded = ctx.load().await?;
        let room = &loaded.room;
        let sender_id = match loaded.access.caller {
            Caller::Master(_) if self.message_type == MessageType::System => None,
            Caller::Master(_) => {
                return Err(ApiError::with_detail(
                    ErrorCode::InsufficientPermissions,
                    "The master key sends only system messages",
                ))
            }
            Caller::User(_) => {
                let member = loaded.access.member()?;
                if self.message_type == MessageType::System {
                    return Err(ApiError::with_detail(
                        ErrorCode::InsufficientPermissions,
                        "Only the master key sends system messages",
                    ));
                }
                if room.room_type == RoomType::Channel && !member.membership.role.manages() {
                    return Err(ApiError::with_detail(
                        ErrorCode::InsufficientPermissions,
                        "Only the owner and admins post in a channel",
                    ));
                }
                Some(member.membership.user_id)
            }
        };
        if let Some(reply_to) = self.reply_to {
            message_in_room(ctx, room.id, reply_to).await?;
        }
        let message = Message {
            id: MessageId::random(),
            room_id: room.id,
            seq: 0,
            sender_id,
            content: self.content,
            message_type: self.message_type,
            metadata: self.metadata,
            reply_to: self.reply_to,
            reactions: Default::default(),
            client_msg_id: self.client_msg_id,
            created_at: Utc::now(),
            edited_at: None,
            deleted_at: None,
        };
        let rate = sender_id.and_then(|user| ctx.node.limits.message(user));
        let (appended, rate) = ctx.engine.append_message(&message, rate.as_ref()).await?;
        let body = match appended {
            Appended::New(stored) => {
                ctx.node.load.sent(room.client_id);
                let body = MessageBody::from(&stored);
                effects.emit(Event::MessageNew(body.clone()));
                Made::New(body)
            }
            Appended::Duplicate(original) => Made::Existing(MessageBody::from(&original)),
            Appended::RoomGone => return Err(ErrorCode::RoomNotFound.into()),
            Appended::Limited => {
                let status = rate.ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("a refusal without its bucket"))
                })?;
                ctx.node.metrics.refused.messages.inc();
                return Err(ApiError::rate_limited(status));
            }
        };
        Ok(Metered { body, rate })
    }
}
