//! The events a room sends to its members' sessions (`API.md` §6), and the
//! notifications sent to users (§7), each serialized once and the same bytes sent to
//! every session.

use std::collections::BTreeMap;

use bytestring::ByteString;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{
    core::views::{MessageBody, NotificationBody, RoomBody},
    domain::ids::{MessageId, RoomId, UserId},
};

/// A room event, as its frame's `type` and `data`.
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
        deleted_at: Option<DateTime<Utc>>,
    },
    #[serde(rename = "reaction.updated")]
    ReactionUpdated {
        message_id: MessageId,
        room_id: RoomId,
        reactions: BTreeMap<String, usize>,
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
    /// Not a room's: sent to each connected recipient of a notification (§7).
    #[serde(rename = "notification")]
    Notification(NotificationBody),
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

    /// The frame, as text. `None` (logged) if it cannot be encoded, which our own
    /// types never cause: every map key is a string.
    pub fn encode(&self) -> Option<ByteString> {
        match serde_json::to_string(self) {
            Ok(text) => Some(ByteString::from(text)),
            Err(err) => {
                tracing::error!(error = %err, "room event not encoded");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_type_and_data() {
        let event = Event::MemberJoined {
            room_id: RoomId::random(),
            user_id: UserId::random(),
        };
        let json: serde_json::Value = serde_json::from_str(&event.encode().unwrap()).unwrap();
        assert_eq!(json["type"], "member.joined");
        assert!(json["data"]["room_id"].is_string());
    }
}
