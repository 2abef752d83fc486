//! The JSON shapes the core answers with (clients, users, rooms, members, messages),
//! shared by REST answers and WebSocket frames so both always show the same thing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{
    client::Client,
    ids::{ClientId, MessageId, RoomId, UserId},
    message::{Message, MessageType},
    room::{Member, Membership, Role, Room, RoomStats, RoomType},
    user::{Metadata, User},
};

/// Nothing to show: `{}` in a WebSocket `ack`, 204 on REST.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Done {}

/// Something asked for that may already have existed: a direct room asked for again,
/// a message resent with a `client_msg_id` already seen. Shown as the thing itself;
/// REST answers 201 for `New` and 200 for `Existing`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Made<T> {
    New(T),
    Existing(T),
}

impl<T> Made<T> {
    pub fn is_new(&self) -> bool {
        matches!(self, Self::New(_))
    }
}

/// A client as the API shows it; never with a key.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientBody {
    pub id: ClientId,
    pub name: String,
    pub description: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Client> for ClientBody {
    fn from(client: Client) -> Self {
        Self {
            id: client.id,
            name: client.name,
            description: client.description,
            is_active: client.is_active,
            created_at: client.created_at,
        }
    }
}

/// A user as the API shows it; never with a key.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserBody {
    pub id: UserId,
    pub email: String,
    pub username: String,
    pub full_name: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserBody {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            email: user.email.as_str().to_owned(),
            username: user.username.as_str().to_owned(),
            full_name: user.full_name,
            metadata: user.metadata,
            is_active: user.is_active,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// `API.md` §5 room.
#[derive(Debug, Clone, Serialize, ToSchema)]
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
    #[schema(value_type = Object)]
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
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyRoomBody {
    #[serde(flatten)]
    pub room: RoomBody,
    pub unread_count: u64,
    pub last_read_seq: u64,
    pub role: Role,
}

/// `{room_id, user_id, role, joined_at}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
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
#[derive(Debug, Clone, Serialize, ToSchema)]
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
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageBody {
    pub id: MessageId,
    pub room_id: RoomId,
    pub seq: u64,
    pub sender_id: Option<UserId>,
    pub content: String,
    pub message_type: MessageType,
    #[schema(value_type = Object)]
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
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PresenceBody {
    pub online: Vec<UserId>,
    pub count: usize,
}

/// `POST /rooms/{id}/read`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadBody {
    pub room_id: RoomId,
    pub last_read_seq: u64,
    pub unread_count: u64,
}
