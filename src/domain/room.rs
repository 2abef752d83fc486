//! Rooms and memberships (`API.md` §5).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    ids::{ClientId, RoomId, UserId},
    page::order_key,
    user::Metadata,
};

pub const DEFAULT_MAX_MEMBERS: u32 = 1000;
/// The largest room a client may ask for; fan-out cost grows with it.
pub const MAX_MAX_MEMBERS: u32 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoomType {
    /// Everyone posts.
    #[default]
    Group,
    /// Only the owner and admins post.
    Channel,
    /// Exactly two members, one room per pair.
    Direct,
    /// A user with the client's support staff.
    Support,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    /// Owners and admins manage members, edit the room and post in channels.
    pub fn manages(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// A room's own fields, as stored. Counters that change with every message or join
/// live in [`RoomStats`], kept by the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Room {
    pub id: RoomId,
    pub client_id: ClientId,
    pub name: String,
    pub description: Option<String>,
    pub room_type: RoomType,
    pub is_private: bool,
    pub max_members: u32,
    /// `None` when the client made it with its master key.
    pub created_by: Option<UserId>,
    pub metadata: Metadata,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Room {
    /// Orders a client's rooms by creation; also the list cursor.
    pub fn order_key(&self) -> String {
        order_key(self.created_at, self.id)
    }
}

/// What the store counts for a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RoomStats {
    pub member_count: u64,
    /// The `seq` of the newest message; 0 before the first.
    pub last_seq: u64,
    pub last_message_at: Option<DateTime<Utc>>,
}

/// A user's place in a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

impl Membership {
    /// Orders a room's members by joining; also the list cursor.
    pub fn order_key(&self) -> String {
        order_key(self.joined_at, self.user_id)
    }
}

/// A membership with the member's read position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub membership: Membership,
    /// The highest `seq` the member has read; only ever moves forward.
    pub last_read_seq: u64,
}

pub fn parse_max_members(value: u32) -> Result<u32, String> {
    if (2..=MAX_MAX_MEMBERS).contains(&value) {
        Ok(value)
    } else {
        Err(format!("must be from 2 to {MAX_MAX_MEMBERS}"))
    }
}
