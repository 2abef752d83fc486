//! `POST /messages` and `message.send`: a member sends to a room; the master key sends
//! `system` messages. A repeated `client_msg_id` returns the original.

use chrono::Utc;
use futures_util::future::join_all;
use serde::Deserialize;
use utoipa::ToSchema;

use super::message_in_room;
use crate::{
    core::{
        actors::cluster::NodeInfo,
        auth::Caller,
        events::Event,
        limits::Metered,
        rooms::{RoomRequest, Target},
        views::{Made, MessageBody},
        ApiError, ErrorCode,
    },
    domain::{
        ids::{ClientId, MessageId, RoomId},
        message::{parse_client_msg_id, parse_content, Appended, Message, MessageType},
        rate::{RateCheck, RateStatus},
        user::{parse_metadata, Metadata},
        validation::Validator,
    },
    engine::Engine,
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

/// What a send answers: the message (new, or the original of a repeated
/// `client_msg_id`) with the sender's rate-limit status.
pub type Sent = Metered<Made<MessageBody>>;

/// One send waiting in its room for the next group commit.
pub struct QueuedSend {
    pub caller: Caller,
    pub command: SendMessage,
}

impl RoomRequest for SendMessage {
    type Output = Sent;

    fn target(&self) -> Target {
        Target::Room(self.room_id)
    }
}

/// Commits a batch of sends to one room together (group commit), so one busy room is
/// not capped by the store's round trip: each send is checked on its own, then the
/// allowed ones are appended in one step, in the batch's order, which is their `seq`
/// order; the append itself checks each sender's membership and role (one round trip
/// on Redis for the whole batch). `client` is the room's client when the room's actor
/// knows it; otherwise the room is read first, and the client found is handed back.
/// Every send gets its own answer, in the batch's order, with the event to deliver
/// for a new message; a refused one holds no other back.
pub async fn send_batch(
    engine: &dyn Engine,
    node: &NodeInfo,
    room_id: RoomId,
    client: Option<ClientId>,
    sends: Vec<QueuedSend>,
) -> (
    Option<ClientId>,
    Vec<(Result<Sent, ApiError>, Option<Event>)>,
) {
    let client = match client {
        Some(client) => Some(client),
        None => match engine.get_room(room_id).await {
            Ok(room) => room.map(|(room, _)| room.client_id),
            Err(err) => {
                let mut failure = SharedFailure::new(err.into());
                return (
                    None,
                    sends.iter().map(|_| (Err(failure.next()), None)).collect(),
                );
            }
        },
    };
    let checks = sends.into_iter().map(|send| async move {
        // Another client's room is as unknown as a missing one.
        if client != Some(send.caller.client().id) {
            return Err(ErrorCode::RoomNotFound.into());
        }
        let message = send.command.into_message(&send.caller, room_id)?;
        if let Some(reply_to) = message.reply_to {
            message_in_room(engine, room_id, reply_to).await?;
        }
        Ok(message)
    });
    let checked: Vec<Result<Message, ApiError>> = join_all(checks).await;
    let rates: Vec<Option<RateCheck>> = checked
        .iter()
        .map(|message| {
            let sender = message.as_ref().ok().and_then(|message| message.sender_id);
            sender.and_then(|user| node.limits.message(user))
        })
        .collect();
    let batch: Vec<(&Message, Option<&RateCheck>)> = checked
        .iter()
        .zip(&rates)
        .filter_map(|(message, rate)| Some((message.as_ref().ok()?, rate.as_ref())))
        .collect();
    let appended = engine.append_messages(&batch).await;
    drop(batch);
    let mut outcomes = match appended {
        Ok(outcomes) => outcomes.into_iter(),
        Err(err) => {
            let mut failure = SharedFailure::new(err.into());
            let answers = checked.into_iter().map(|checked| match checked {
                Ok(_) => (Err(failure.next()), None),
                Err(refused) => (Err(refused), None),
            });
            return (client, answers.collect());
        }
    };
    let answers = checked
        .into_iter()
        .zip(rates)
        .map(|(checked, rate)| {
            let (appended, status) = match checked {
                Ok(_) => outcomes.next().ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("a send without its outcome"))
                }),
                Err(refused) => Err(refused),
            }?;
            if let (Appended::New(_), Some(client)) = (&appended, client) {
                node.load.sent(client);
            }
            settle(node, appended, rate.and(status))
        })
        .map(|answer| match answer {
            Ok((sent, event)) => (Ok(sent), event),
            Err(err) => (Err(err), None),
        })
        .collect();
    (client, answers)
}

/// One failure answered to every send of a batch: the first gets the error itself,
/// with its cause, so the fault is logged once; the others a copy of what it says.
struct SharedFailure {
    first: Option<ApiError>,
    copy: ApiError,
}

impl SharedFailure {
    fn new(err: ApiError) -> Self {
        Self {
            copy: err.duplicate(),
            first: Some(err),
        }
    }

    fn next(&mut self) -> ApiError {
        self.first.take().unwrap_or_else(|| self.copy.duplicate())
    }
}

impl SendMessage {
    /// The message to append, if the caller may send it as far as the caller alone
    /// tells: `system` messages are the master key's alone, and it sends nothing
    /// else. Whether a user may post in the room (a member; in a channel, the owner or
    /// an admin) is checked by the append itself.
    fn into_message(self, caller: &Caller, room_id: RoomId) -> Result<Message, ApiError> {
        let system = self.message_type == MessageType::System;
        let sender_id = match caller {
            Caller::Master(_) if system => None,
            Caller::Master(_) => {
                return Err(ApiError::with_detail(
                    ErrorCode::InsufficientPermissions,
                    "The master key sends only system messages",
                ))
            }
            Caller::User(_) if system => {
                return Err(ApiError::with_detail(
                    ErrorCode::InsufficientPermissions,
                    "Only the master key sends system messages",
                ))
            }
            Caller::User(user) => Some(user.user.id),
        };
        Ok(Message {
            id: MessageId::random_in(room_id.shard()),
            room_id,
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
        })
    }
}

/// One send's answer from its append, with the event of a new message. A user's
/// sends draw from its message limit, in the append's own step; a refusal answers 429
/// with the bucket.
fn settle(
    node: &NodeInfo,
    appended: Appended,
    rate: Option<RateStatus>,
) -> Result<(Sent, Option<Event>), ApiError> {
    let (body, event) = match appended {
        Appended::New(stored) => {
            let body = MessageBody::from(&stored);
            let event = Event::MessageNew(body.clone());
            (Made::New(body), Some(event))
        }
        Appended::Duplicate(original) => (Made::Existing(MessageBody::from(&original)), None),
        Appended::RoomGone => return Err(ErrorCode::RoomNotFound.into()),
        Appended::NotMember => return Err(ErrorCode::NotAMember.into()),
        Appended::NotPermitted => {
            return Err(ApiError::with_detail(
                ErrorCode::InsufficientPermissions,
                "Only the owner and admins post in a channel",
            ))
        }
        Appended::Limited => {
            let status = rate.ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("a refusal without its bucket"))
            })?;
            node.metrics.refused.messages.inc();
            return Err(ApiError::rate_limited(status));
        }
    };
    Ok((Metered { body, rate }, event))
}
