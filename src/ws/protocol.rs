//! The wire protocol: JSON text frames `{"type", "id"?, "data"}`. Kept free of actix
//! types so the transport could change without touching it.

use std::collections::HashMap;

use bytestring::ByteString;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    domain::ids::{MessageId, RoomId, UserId},
    error::{ApiError, ErrorCode},
    views::{MessageBody, RoomBody},
};

/// Largest frame a client may send; a bigger one closes the socket with 1009.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Close codes of `API.md` §6.
pub mod close {
    pub const INVALID_CREDENTIALS: u16 = 4001;
    pub const KEY_EXPIRED: u16 = 4002;
    pub const KEY_REVOKED: u16 = 4003;
    pub const RATE_LIMITED: u16 = 4008;
    pub const TOO_SLOW: u16 = 4009;
    pub const AUTH_TIMEOUT: u16 = 1008;
    pub const FRAME_TOO_LARGE: u16 = 1009;
    pub const RESTARTING: u16 = 1012;
    /// Standard "try again later": the store is unreachable.
    pub const TRY_AGAIN_LATER: u16 = 1013;
}

/// A frame as a client sends it, before its `data` is read for its `type`.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Option<String>,
    /// Only on `auth`: the scoped key.
    pub token: Option<String>,
    #[serde(default)]
    pub data: Value,
}

/// What a client asks for, its `data` read and typed.
#[derive(Debug)]
pub enum Request {
    Auth {
        token: String,
    },
    Send(SendData),
    Edit {
        message_id: MessageId,
        content: String,
    },
    Delete {
        message_id: MessageId,
    },
    React {
        message_id: MessageId,
        emoji: String,
        add: bool,
    },
    Typing {
        room_id: RoomId,
        is_typing: bool,
    },
    Read {
        room_id: RoomId,
        seq: u64,
    },
    Join {
        room_id: RoomId,
    },
    Leave {
        room_id: RoomId,
    },
    PresenceQuery {
        room_id: RoomId,
    },
    Sync {
        rooms: HashMap<RoomId, u64>,
    },
    Ping,
}

/// `message.send` data; the same fields as `POST /messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendData {
    pub room_id: RoomId,
    pub content: String,
    pub message_type: Option<String>,
    pub metadata: Option<Value>,
    pub reply_to: Option<MessageId>,
    pub client_msg_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageRef {
    message_id: MessageId,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditData {
    message_id: MessageId,
    content: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReactionData {
    message_id: MessageId,
    emoji: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypingData {
    room_id: RoomId,
    is_typing: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadData {
    room_id: RoomId,
    seq: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoomRef {
    room_id: RoomId,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SyncData {
    rooms: HashMap<RoomId, u64>,
}

impl Request {
    /// Reads a text frame. The error keeps the frame's `id` when it had one, so the
    /// `error` frame can be correlated.
    pub fn parse(text: &str) -> Result<(Option<String>, Request), (Option<String>, ApiError)> {
        let envelope: Envelope = serde_json::from_str(text).map_err(|err| {
            let detail = format!("A frame must be a JSON object with a type: {err}");
            (None, ApiError::with_detail(ErrorCode::InvalidJson, detail))
        })?;
        let id = envelope.id.clone();
        Self::from_envelope(envelope)
            .map(|req| (id.clone(), req))
            .map_err(|e| (id, e))
    }

    fn from_envelope(envelope: Envelope) -> Result<Request, ApiError> {
        fn data<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ApiError> {
            serde_json::from_value(value).map_err(|err| {
                ApiError::with_detail(ErrorCode::ValidationError, format!("Bad data: {err}"))
            })
        }
        let data_value = envelope.data;
        Ok(match envelope.kind.as_str() {
            "auth" => Request::Auth {
                token: envelope.token.ok_or_else(|| {
                    ApiError::with_detail(ErrorCode::ValidationError, "auth needs a token")
                })?,
            },
            "message.send" => Request::Send(data(data_value)?),
            "message.edit" => {
                let EditData {
                    message_id,
                    content,
                } = data(data_value)?;
                Request::Edit {
                    message_id,
                    content,
                }
            }
            "message.delete" => {
                let MessageRef { message_id } = data(data_value)?;
                Request::Delete { message_id }
            }
            "reaction.add" | "reaction.remove" => {
                let ReactionData { message_id, emoji } = data(data_value)?;
                let add = envelope.kind == "reaction.add";
                Request::React {
                    message_id,
                    emoji,
                    add,
                }
            }
            "typing" => {
                let TypingData { room_id, is_typing } = data(data_value)?;
                Request::Typing { room_id, is_typing }
            }
            "read" => {
                let ReadData { room_id, seq } = data(data_value)?;
                Request::Read { room_id, seq }
            }
            "room.join" | "room.leave" | "presence.query" => {
                let RoomRef { room_id } = data(data_value)?;
                match envelope.kind.as_str() {
                    "room.join" => Request::Join { room_id },
                    "room.leave" => Request::Leave { room_id },
                    _ => Request::PresenceQuery { room_id },
                }
            }
            "sync" => {
                let SyncData { rooms } = data(data_value)?;
                Request::Sync { rooms }
            }
            "ping" => Request::Ping,
            other => {
                return Err(ApiError::with_detail(
                    ErrorCode::ValidationError,
                    format!("Unknown frame type {other:?}"),
                ))
            }
        })
    }
}

/// A room event, sent to every member's sessions. Serialized once per room.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    #[serde(rename = "message.new")]
    MessageNew(MessageBody),
    #[serde(rename = "message.updated")]
    MessageUpdated(MessageBody),
    #[serde(rename = "message.deleted")]
    MessageDeleted {
        id: MessageId,
        room_id: RoomId,
        seq: u64,
        deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    #[serde(rename = "reaction.updated")]
    ReactionUpdated {
        message_id: MessageId,
        room_id: RoomId,
        reactions: std::collections::BTreeMap<String, usize>,
    },
    #[serde(rename = "typing")]
    Typing {
        room_id: RoomId,
        user_id: UserId,
        is_typing: bool,
    },
    #[serde(rename = "read")]
    Read {
        room_id: RoomId,
        user_id: UserId,
        seq: u64,
    },
    #[serde(rename = "presence")]
    Presence {
        room_id: RoomId,
        user_id: UserId,
        online: bool,
    },
    #[serde(rename = "member.joined")]
    MemberJoined { room_id: RoomId, user_id: UserId },
    #[serde(rename = "member.left")]
    MemberLeft { room_id: RoomId, user_id: UserId },
    #[serde(rename = "room.updated")]
    RoomUpdated(RoomBody),
    #[serde(rename = "room.deleted")]
    RoomDeleted { room_id: RoomId },
}

impl Event {
    /// The `seq` that orders this event in its room's stream: only new messages
    /// have one; every other event is delivered as it comes.
    pub fn stream_seq(&self) -> Option<u64> {
        match self {
            Event::MessageNew(message) => Some(message.seq),
            _ => None,
        }
    }

    pub fn encode(&self) -> ByteString {
        encode(self)
    }
}

/// A reply frame: `ready`, `ack`, `error`, `pong`.
#[derive(Serialize)]
struct Reply<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    data: T,
}

pub fn reply<T: Serialize>(kind: &str, id: Option<&str>, data: T) -> ByteString {
    encode(&Reply { kind, id, data })
}

/// An `error` frame with the documented error body.
pub fn error(id: Option<&str>, err: &ApiError) -> ByteString {
    reply("error", id, err.body())
}

fn encode(value: &impl Serialize) -> ByteString {
    // Serializing our own types to JSON cannot fail: no map has non-string keys.
    serde_json::to_string(value).map_or_else(|_| ByteString::from_static("{}"), ByteString::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_with_their_ids() {
        let room = RoomId::random();
        let text = format!(
            r#"{{"type":"typing","id":"r1","data":{{"room_id":"{room}","is_typing":true}}}}"#
        );
        let (id, request) = Request::parse(&text).unwrap();
        assert_eq!(id.as_deref(), Some("r1"));
        assert!(matches!(
            request,
            Request::Typing {
                is_typing: true,
                ..
            }
        ));
        let (id, err) = Request::parse(r#"{"type":"nope","id":"x"}"#).unwrap_err();
        assert_eq!(id.as_deref(), Some("x"));
        assert_eq!(err.code(), ErrorCode::ValidationError);
        assert_eq!(
            Request::parse("not json").unwrap_err().1.code(),
            ErrorCode::InvalidJson
        );
        let (_, auth) = Request::parse(r#"{"type":"auth","token":"sk_user_x"}"#).unwrap();
        assert!(matches!(auth, Request::Auth { .. }));
    }

    #[test]
    fn events_carry_type_and_data() {
        let event = Event::MemberJoined {
            room_id: RoomId::random(),
            user_id: UserId::random(),
        };
        let json: Value = serde_json::from_str(&event.encode()).unwrap();
        assert_eq!(json["type"], "member.joined");
        assert!(json["data"]["room_id"].is_string());
        let ack: Value =
            serde_json::from_str(&reply("ack", Some("r9"), serde_json::json!({}))).unwrap();
        assert_eq!(
            ack,
            serde_json::json!({"type": "ack", "id": "r9", "data": {}})
        );
    }
}
