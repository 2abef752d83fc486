//! Messages (`API.md` §5): per-room sequence numbers, reactions, soft deletion.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    ids::{MessageId, RoomId, UserId},
    user::Metadata,
    validation::chars_within,
};

pub const MAX_CONTENT_CHARS: usize = 10_000;
pub const MAX_EMOJI_BYTES: usize = 32;
/// Distinct emoji one message may carry. Every reaction change rewrites and fans out
/// the message's whole reaction map, so without a bound one member could grow a
/// message (and each `reaction.updated` frame) without limit, one new emoji at a time.
pub const MAX_REACTIONS_PER_MESSAGE: usize = 50;
pub const MAX_CLIENT_MSG_ID_CHARS: usize = 128;
/// How long a `client_msg_id` makes a resend return the original message.
pub const IDEMPOTENCY_WINDOW: chrono::Duration = chrono::Duration::hours(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MessageType {
    #[default]
    Text,
    Image,
    File,
    /// Sent by the client application with its master key.
    System,
    Custom,
}

/// A message as stored. `seq` is the room's total order: 1, 2, 3… with no gaps,
/// assigned by the store when the message is appended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub room_id: RoomId,
    pub seq: u64,
    /// `None` for system messages sent with the master key.
    pub sender_id: Option<UserId>,
    pub content: String,
    pub message_type: MessageType,
    pub metadata: Metadata,
    pub reply_to: Option<MessageId>,
    /// Who reacted with what; the API shows counts.
    pub reactions: BTreeMap<String, BTreeSet<UserId>>,
    pub client_msg_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Message {
    /// Reaction counts, as the API shows them.
    pub fn reaction_counts(&self) -> BTreeMap<String, usize> {
        self.reactions
            .iter()
            .map(|(emoji, users)| (emoji.clone(), users.len()))
            .collect()
    }
}

/// Which slice of a room's history to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryRange {
    /// Newest first, `seq < before`.
    Before(u64),
    /// Oldest first, `seq > after`.
    After(u64),
}

/// The outcome of appending a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Appended {
    /// Stored with a new `seq`.
    New(Message),
    /// The room already had this `client_msg_id` within the window: the original.
    Duplicate(Message),
    /// The room no longer exists (deleted a moment ago, perhaps on another node).
    RoomGone,
    /// The sender is not a member of the room; nothing was stored.
    NotMember,
    /// The room is a channel and the sender neither its owner nor an admin.
    NotPermitted,
    /// The sender's rate limit refused it; nothing was stored.
    Limited,
}

pub fn parse_content(text: String) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    chars_within(&text, 1, MAX_CONTENT_CHARS).map(|()| text)
}

pub fn parse_emoji(text: String) -> Result<String, String> {
    if text.is_empty() || text.len() > MAX_EMOJI_BYTES || text.chars().any(char::is_whitespace) {
        return Err(format!(
            "must be 1 to {MAX_EMOJI_BYTES} bytes with no spaces"
        ));
    }
    Ok(text)
}

pub fn parse_client_msg_id(text: String) -> Result<String, String> {
    chars_within(&text, 1, MAX_CLIENT_MSG_ID_CHARS).map(|()| text)
}
