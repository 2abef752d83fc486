//! Notifications (`API.md` §7): a message from the client application to some of its
//! users, shown at once to those online and kept in each recipient's inbox.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    ids::{ClientId, NotificationId},
    user::Metadata,
};

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest body, in characters (as a message's content).
pub const MAX_BODY_CHARS: usize = 10_000;
/// The most users one request may name: a larger audience is a room.
pub const MAX_RECIPIENTS: usize = 1000;

/// How urgent a notification is; the receiving application decides what that means.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
}

impl Priority {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "low" => Ok(Self::Low),
            "normal" => Ok(Self::Normal),
            "high" => Ok(Self::High),
            _ => Err("must be low, normal or high".to_owned()),
        }
    }
}

/// A notification as stored, once, whatever the number of its recipients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: NotificationId,
    pub client_id: ClientId,
    pub title: String,
    pub body: String,
    pub data: Metadata,
    pub priority: Priority,
    pub created_at: DateTime<Utc>,
}

impl Notification {
    /// Orders an inbox newest first (the time counted down from the end of time, so
    /// an ascending walk is a newest-first listing); also the inbox's cursor.
    pub fn inbox_key(&self) -> String {
        let nanos = self.created_at.timestamp_nanos_opt().unwrap_or(0);
        format!("{:020}:{}", i64::MAX - nanos.max(0), self.id)
    }
}

/// One notification in one user's inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxEntry {
    pub notification: Notification,
    /// When the user marked it read; `None` while unread.
    pub read_at: Option<DateTime<Utc>>,
}

/// Whether an inbox listing shows every entry or only the unread ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxFilter {
    pub unread_only: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cursor::Listing;

    #[test]
    fn newer_notifications_have_smaller_inbox_keys() {
        let older = sample(Utc::now() - chrono::Duration::seconds(1));
        let newer = sample(Utc::now());
        assert!(newer.inbox_key() < older.inbox_key());
    }

    fn sample(created_at: DateTime<Utc>) -> Notification {
        Notification {
            id: NotificationId::random(),
            client_id: ClientId::random(),
            title: "t".into(),
            body: "b".into(),
            data: Metadata::new(),
            priority: Priority::High,
            created_at,
        }
    }

    #[test]
    fn an_inbox_key_is_an_inbox_cursor_position() {
        let notification = sample(Utc::now());
        let cursor = Listing::Notifications.issue(&notification.inbox_key());
        assert_eq!(
            Listing::Notifications.redeem(&cursor),
            Some(notification.inbox_key())
        );
        assert_eq!(Listing::Notifications.redeem("junk"), None);
    }
}
