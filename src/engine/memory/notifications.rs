//! Notifications in memory: each stored once, and per user an inbox of keys in
//! listing order (newest first) with the times entries were read.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::State;
use crate::{
    domain::{
        ids::{NotificationId, UserId},
        notification::{InboxEntry, InboxFilter, Notification},
        page::{Page, PageRequest},
    },
    engine::rules::paging::paginate,
};

/// One user's inbox.
#[derive(Default)]
pub(super) struct Inbox {
    /// [`Notification::inbox_key`] → id: walking it in order lists newest first.
    entries: BTreeMap<String, NotificationId>,
    /// When each read entry was read.
    read: HashMap<NotificationId, DateTime<Utc>>,
}

impl State {
    pub(super) fn create_notification(
        &mut self,
        notification: &Notification,
        recipients: &[UserId],
    ) {
        let key = notification.inbox_key();
        for user in recipients {
            let inbox = self.inboxes.entry(*user).or_default();
            inbox.entries.insert(key.clone(), notification.id);
        }
        self.notifications
            .insert(notification.id, notification.clone());
    }

    pub(super) fn list_inbox(
        &self,
        user: UserId,
        filter: InboxFilter,
        page: &PageRequest,
    ) -> Page<InboxEntry> {
        use std::ops::Bound;
        let Some(inbox) = self.inboxes.get(&user) else {
            return paginate(std::iter::empty(), page.limit, |_: &InboxEntry| {
                String::new()
            });
        };
        let start = match &page.cursor {
            Some(cursor) => Bound::Excluded(cursor.clone()),
            None => Bound::Unbounded,
        };
        let entries = inbox
            .entries
            .range((start, Bound::Unbounded))
            .filter_map(|(_, id)| {
                let read_at = inbox.read.get(id).copied();
                let notification = self.notifications.get(id)?.clone();
                Some(InboxEntry {
                    notification,
                    read_at,
                })
            })
            .filter(|entry| !filter.unread_only || entry.read_at.is_none());
        paginate(entries, page.limit, |entry| entry.notification.inbox_key())
    }

    pub(super) fn mark_notification_read(
        &mut self,
        user: UserId,
        id: NotificationId,
        at: DateTime<Utc>,
    ) -> Option<InboxEntry> {
        let notification = self.notifications.get(&id)?;
        let inbox = self.inboxes.get_mut(&user)?;
        if !inbox.entries.contains_key(&notification.inbox_key()) {
            return None;
        }
        let read_at = *inbox.read.entry(id).or_insert(at);
        Some(InboxEntry {
            notification: notification.clone(),
            read_at: Some(read_at),
        })
    }
}
