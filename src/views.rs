//! The JSON shapes of rooms, members and messages, shared by REST answers and
//! WebSocket frames so both always show the same thing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{
    ids::{MessageId, RoomId, UserId},
    message::{Message, MessageType},
    room::{Member, Membership, Role, Room, RoomStats, RoomType},
    user::Metadata,
};

/// `API.md` §5 room.
#[derive(Debug, Clone, Serialize)]
pub struct RoomBody {
    pub id: RoomId,
    pub name: String,
    pub description: Option<String>,
    pub room_type: RoomType,
    pub is_private: bool,
    pub max_members: u32,
    pub created_by: Option<UserId>,
    pub member_count: u64,
    pub last_message_at: Option<DateTime<Utc>>,
    pub last_seq: u64,
    pub created_at: DateTime<Utc>,
    pub metadata: Metadata,
}

impl RoomBody {
    pub fn new(room: Room, stats: RoomStats) -> Self {
        Self {
            id: room.id,
            name: room.name,
            description: room.description,
            room_type: room.room_type,
            is_private: room.is_private,
            max_members: room.max_members,
            created_by: room.created_by,
            member_count: stats.member_count,
            last_message_at: stats.last_message_at,
            last_seq: stats.last_seq,
            created_at: room.created_at,
            metadata: room.metadata,
        }
    }
}

/// A room in the caller's own list: with its read position.
#[derive(Debug, Clone, Serialize)]
pub struct MyRoomBody {
    #[serde(flatten)]
    pub room: RoomBody,
    pub unread_count: u64,
    pub last_read_seq: u64,
    pub role: Role,
}

/// `{room_id, user_id, role, joined_at}`.
#[derive(Debug, Clone, Serialize)]
pub struct MembershipBody {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

impl From<Membership> for MembershipBody {
    fn from(m: Membership) -> Self {
        Self {
            room_id: m.room_id,
            user_id: m.user_id,
            role: m.role,
            joined_at: m.joined_at,
        }
    }
}

/// One entry of `GET /rooms/{id}/members`.
#[derive(Debug, Clone, Serialize)]
pub struct MemberBody {
    pub user_id: UserId,
    /// `None` when the user has been deleted meanwhile.
    pub username: Option<String>,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub last_read_seq: u64,
    pub online: bool,
}

impl MemberBody {
    pub fn new(member: Member, username: Option<String>, online: bool) -> Self {
        Self {
            user_id: member.membership.user_id,
            username,
            role: member.membership.role,
            joined_at: member.membership.joined_at,
            last_read_seq: member.last_read_seq,
            online,
        }
    }
}

/// `API.md` §5 message; reactions shown as counts.
#[derive(Debug, Clone, Serialize)]
pub struct MessageBody {
    pub id: MessageId,
    pub room_id: RoomId,
    pub seq: u64,
    pub sender_id: Option<UserId>,
    pub content: String,
    pub message_type: MessageType,
    pub metadata: Metadata,
    pub reply_to: Option<MessageId>,
    pub reactions: BTreeMap<String, usize>,
    pub client_msg_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<&Message> for MessageBody {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id,
            room_id: m.room_id,
            seq: m.seq,
            sender_id: m.sender_id,
            content: m.content.clone(),
            message_type: m.message_type,
            metadata: m.metadata.clone(),
            reply_to: m.reply_to,
            reactions: m.reaction_counts(),
            client_msg_id: m.client_msg_id.clone(),
            created_at: m.created_at,
            edited_at: m.edited_at,
            deleted_at: m.deleted_at,
        }
    }
}

/// `GET /rooms/{id}/presence`.
#[derive(Debug, Clone, Serialize)]
pub struct PresenceBody {
    pub online: Vec<UserId>,
    pub count: usize,
}

/// `POST /rooms/{id}/read`.
#[derive(Debug, Clone, Serialize)]
pub struct ReadBody {
    pub room_id: RoomId,
    pub last_read_seq: u64,
    pub unread_count: u64,
}
