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

/// How long a room of each type may go without a message before it counts as
/// inactive (`API.md` §7), in days. A new message makes it active again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inactivity {
    pub direct_days: u32,
    pub group_days: u32,
    pub channel_days: u32,
    pub support_days: u32,
}

impl Default for Inactivity {
    fn default() -> Self {
        Self {
            direct_days: 90,
            group_days: 30,
            channel_days: 180,
            support_days: 7,
        }
    }
}

impl Inactivity {
    /// Whether the room had a message (or, with none yet, was created) within its
    /// type's period before `now`. Read from the room's own last-message time, so
    /// every node and both back ends agree at every instant, and the first message
    /// after a silence reactivates the room in the step that stores it.
    pub fn is_active(&self, room: &Room, stats: &RoomStats, now: DateTime<Utc>) -> bool {
        let days = match room.room_type {
            RoomType::Direct => self.direct_days,
            RoomType::Group => self.group_days,
            RoomType::Channel => self.channel_days,
            RoomType::Support => self.support_days,
        };
        let last = stats.last_message_at.unwrap_or(room.created_at);
        now - last < chrono::Duration::days(i64::from(days))
    }
}

#[cfg(test)]
mod inactivity_tests {
    use super::*;

    #[test]
    fn a_room_is_inactive_after_its_types_period_and_a_message_reactivates_it() {
        let now = Utc::now();
        let room = Room {
            id: RoomId::random(),
            client_id: ClientId::random(),
            name: "r".into(),
            description: None,
            room_type: RoomType::Support,
            is_private: false,
            max_members: 10,
            created_by: None,
            metadata: Metadata::new(),
            created_at: now - chrono::Duration::days(60),
            updated_at: now,
        };
        let periods = Inactivity::default();
        let silent = RoomStats::default();
        assert!(!periods.is_active(&room, &silent, now), "support: 7 days");
        let spoken = RoomStats {
            last_message_at: Some(now - chrono::Duration::days(6)),
            ..RoomStats::default()
        };
        assert!(periods.is_active(&room, &spoken, now));
        let group = Room {
            room_type: RoomType::Group,
            ..room.clone()
        };
        assert!(!periods.is_active(&group, &silent, now), "group: 30 days");
        let channel = Room {
            room_type: RoomType::Channel,
            ..room
        };
        assert!(
            periods.is_active(&channel, &silent, now),
            "channel: 180 days"
        );
    }
}
