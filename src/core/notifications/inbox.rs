//! `GET /notifications` and `POST /notifications/{id}/read`: a user's own inbox.

use chrono::Utc;

use crate::{
    core::{auth::UserCaller, views::InboxEntryBody, ApiError, Core, ErrorCode},
    domain::{
        ids::NotificationId,
        notification::InboxFilter,
        page::{Page, PageRequest},
    },
};

impl Core {
    /// The caller's inbox, newest first.
    pub async fn inbox(
        &self,
        caller: &UserCaller,
        filter: InboxFilter,
        page: &PageRequest,
    ) -> Result<Page<InboxEntryBody>, ApiError> {
        let entries = self.engine.list_inbox(caller.user.id, filter, page).await?;
        Ok(entries.map(InboxEntryBody::from))
    }

    /// Marks one entry of the caller's inbox read; `NOTIFICATION_NOT_FOUND` if the
    /// id names nothing in it (another user's notification included).
    pub async fn mark_notification_read(
        &self,
        caller: &UserCaller,
        id: &str,
    ) -> Result<InboxEntryBody, ApiError> {
        let id = NotificationId::parse(id).ok_or(ErrorCode::NotificationNotFound)?;
        self.engine
            .mark_notification_read(caller.user.id, id, Utc::now())
            .await?
            .map(InboxEntryBody::from)
            .ok_or_else(|| ErrorCode::NotificationNotFound.into())
    }
}
