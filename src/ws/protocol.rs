//! The wire protocol: JSON text frames `{"type", "id"?, "data"}`. A client frame is
//! read into the same room commands REST builds; replies are written here. Kept free
//! of actix types so the transport could change without touching it.

use std::collections::HashMap;

use bytestring::ByteString;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

use crate::{
    core::{
        actors::messages::CloseReason,
        messages::{
            AddReaction, DeleteMessage, EditMessage, MessageFields, RemoveReaction, SendMessage,
        },
        rooms::{JoinRoom, LeaveRoom, MarkRead, QueryPresence, Typing},
        ApiError, ErrorCode,
    },
    domain::ids::{MessageId, RoomId},
};

/// Largest frame a client may send; a bigger one closes the socket with 1009.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Close codes of `API.md` §6.
pub mod close {
    /// The answer to a client's own close.
    pub const NORMAL: u16 = 1000;
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

/// The close code and reason text for why the core ended a session.
pub fn close_for(reason: CloseReason) -> (u16, &'static str) {
    match reason {
        CloseReason::KeyRevoked => (close::KEY_REVOKED, "key revoked"),
        CloseReason::TooSlow => (close::TOO_SLOW, "too slow"),
        CloseReason::Restarting => (close::RESTARTING, "server restarting"),
    }
}

/// The close code for a refused authentication (or connect).
pub fn close_for_auth(code: ErrorCode) -> u16 {
    match code {
        ErrorCode::KeyExpired => close::KEY_EXPIRED,
        ErrorCode::ServiceUnavailable => close::TRY_AGAIN_LATER,
        ErrorCode::RateLimitExceeded => close::RATE_LIMITED,
        _ => close::INVALID_CREDENTIALS,
    }
}

/// The close code for a session the core would not register: its key was revoked
/// while it connected, or the store is away.
pub fn close_for_connect(code: ErrorCode) -> (u16, &'static str) {
    match code {
        ErrorCode::ServiceUnavailable => (close::TRY_AGAIN_LATER, "store unavailable"),
        _ => (close::KEY_REVOKED, "key revoked"),
    }
}

/// A frame as a client sends it, before its `data` is read for its `type`.
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    /// Only on `auth`: the scoped key.
    token: Option<String>,
    #[serde(default)]
    data: Value,
}

/// What a client asks for, its `data` read and typed.
pub enum ClientFrame {
    Auth {
        token: String,
    },
    Sync {
        rooms: HashMap<RoomId, u64>,
    },
    Ping,
    /// A room command, the same REST builds.
    Room(RoomRequest),
}

/// Every room command a WebSocket can send.
pub enum RoomRequest {
    Send(SendMessage),
    Edit(EditMessage),
    Delete(DeleteMessage),
    AddReaction(AddReaction),
    RemoveReaction(RemoveReaction),
    Typing(Typing),
    Read(MarkRead),
    Join(JoinRoom),
    Leave(LeaveRoom),
    Presence(QueryPresence),
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

impl ClientFrame {
    /// Reads a text frame. The error keeps the frame's `id` when it had one, so the
    /// `error` frame can be correlated.
    pub fn parse(text: &str) -> Result<(Option<String>, ClientFrame), (Option<String>, ApiError)> {
        let envelope: Envelope = serde_json::from_str(text).map_err(|err| {
            let detail = format!("A frame must be a JSON object with a type: {err}");
            (None, ApiError::with_detail(ErrorCode::InvalidJson, detail))
        })?;
        let id = envelope.id.clone();
        match Self::from_envelope(envelope) {
            Ok(frame) => Ok((id, frame)),
            Err(err) => Err((id, err)),
        }
    }

    fn from_envelope(envelope: Envelope) -> Result<ClientFrame, ApiError> {
        use RoomRequest as R;
        let value = envelope.data;
        let room = |request| Ok(ClientFrame::Room(request));
        match envelope.kind.as_str() {
            "auth" => Ok(ClientFrame::Auth {
                token: envelope.token.ok_or_else(|| {
                    ApiError::with_detail(ErrorCode::ValidationError, "auth needs a token")
                })?,
            }),
            "sync" => data(value).map(|SyncData { rooms }| ClientFrame::Sync { rooms }),
            "ping" => Ok(ClientFrame::Ping),
            "message.send" => room(R::Send(SendMessage::parse(data::<MessageFields>(value)?)?)),
            "message.edit" => {
                let EditData {
                    message_id,
                    content,
                } = data(value)?;
                room(R::Edit(EditMessage::parse(message_id, content)?))
            }
            "message.delete" => {
                let MessageRef { message_id } = data(value)?;
                room(R::Delete(DeleteMessage { id: message_id }))
            }
            "reaction.add" => {
                let ReactionData { message_id, emoji } = data(value)?;
                room(R::AddReaction(AddReaction::parse(message_id, emoji)?))
            }
            "reaction.remove" => {
                let ReactionData { message_id, emoji } = data(value)?;
                room(R::RemoveReaction(RemoveReaction::parse(message_id, emoji)?))
            }
            "typing" => {
                let TypingData { room_id, is_typing } = data(value)?;
                room(R::Typing(Typing { room_id, is_typing }))
            }
            "read" => {
                let ReadData { room_id, seq } = data(value)?;
                room(R::Read(MarkRead { room_id, seq }))
            }
            "room.join" => {
                data(value).and_then(|RoomRef { room_id }| room(R::Join(JoinRoom { room_id })))
            }
            "room.leave" => {
                data(value).and_then(|RoomRef { room_id }| room(R::Leave(LeaveRoom { room_id })))
            }
            "presence.query" => data(value)
                .and_then(|RoomRef { room_id }| room(R::Presence(QueryPresence { room_id }))),
            other => Err(ApiError::with_detail(
                ErrorCode::ValidationError,
                format!("Unknown frame type {other:?}"),
            )),
        }
    }
}

/// A frame's `data`, read as `T`.
fn data<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|err| {
        ApiError::with_detail(ErrorCode::ValidationError, format!("Bad data: {err}"))
    })
}

/// A frame the server sends in answer: `ready`, `ack`, `error`, `pong`.
#[derive(Serialize)]
struct ReplyFrame<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    data: T,
}

/// An answer frame. If `data` cannot be encoded (our own types never cause that), the
/// client gets an `INTERNAL_ERROR` for its request instead, and the fault is logged.
pub fn reply<T: Serialize>(kind: &str, id: Option<&str>, data: T) -> ByteString {
    match serde_json::to_string(&ReplyFrame { kind, id, data }) {
        Ok(text) => ByteString::from(text),
        Err(err) => error(id, &ApiError::internal(err)),
    }
}

/// An `error` frame with the documented error body; the error is reported (logged)
/// here, the WebSocket edge's one exit for errors.
pub fn error(id: Option<&str>, err: &ApiError) -> ByteString {
    let frame = ReplyFrame {
        kind: "error",
        id,
        data: err.report(),
    };
    // An error body is strings and numbers only: it always encodes.
    serde_json::to_string(&frame).map_or_else(
        |_| ByteString::from_static(INTERNAL_ERROR),
        ByteString::from,
    )
}

const INTERNAL_ERROR: &str = r#"{"type":"error","data":{"detail":"Internal server error","error_code":"INTERNAL_ERROR","status_code":500}}"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_with_their_ids() {
        let room = RoomId::random();
        let text = format!(
            r#"{{"type":"typing","id":"r1","data":{{"room_id":"{room}","is_typing":true}}}}"#
        );
        let (id, frame) = ClientFrame::parse(&text).unwrap();
        assert_eq!(id.as_deref(), Some("r1"));
        assert!(matches!(
            frame,
            ClientFrame::Room(RoomRequest::Typing(Typing {
                is_typing: true,
                ..
            }))
        ));
        let Err((id, err)) = ClientFrame::parse(r#"{"type":"nope","id":"x"}"#) else {
            panic!("an unknown type parsed");
        };
        assert_eq!(id.as_deref(), Some("x"));
        assert_eq!(err.code(), ErrorCode::ValidationError);
        let Err((_, err)) = ClientFrame::parse("not json") else {
            panic!("text that is not JSON parsed");
        };
        assert_eq!(err.code(), ErrorCode::InvalidJson);
        let (_, auth) = ClientFrame::parse(r#"{"type":"auth","token":"sk_user_x"}"#).unwrap();
        assert!(matches!(auth, ClientFrame::Auth { .. }));
    }

    #[test]
    fn replies_carry_type_id_and_data() {
        let ack: Value =
            serde_json::from_str(&reply("ack", Some("r9"), serde_json::json!({}))).unwrap();
        assert_eq!(
            ack,
            serde_json::json!({"type": "ack", "id": "r9", "data": {}})
        );
    }
}
