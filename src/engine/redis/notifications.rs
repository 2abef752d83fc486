//! Notifications in Redis: each stored once as JSON; per user, the inbox and its
//! unread part as lexically ordered sets of inbox keys (so an ascending walk is
//! newest first), and a hash of read times. Creating is one atomic pipeline over
//! every recipient; marking read is one script.

use chrono::{DateTime, Utc};
use redis::Pipeline;

use super::{
    next_reply,
    pages::{lex_page, ordered_id},
    records::*,
    replies, timed, RedisEngine, Replies,
};
use crate::{
    domain::{
        ids::{NotificationId, UserId},
        notification::{InboxEntry, InboxFilter, Notification},
        page::{Page, PageRequest},
    },
    engine::EngineError,
};

pub(super) async fn create_notification(
    engine: &RedisEngine,
    notification: &Notification,
    recipients: &[UserId],
) -> Result<(), EngineError> {
    let member = notification.inbox_key();
    let mut pipe = redis::pipe();
    pipe.atomic();
    pipe.set(
        engine.keys.notification(notification.id),
        to_json(notification)?,
    )
    .ignore();
    for &user in recipients {
        pipe.zadd(engine.keys.inbox(user), &member, 0).ignore();
        pipe.zadd(engine.keys.unread(user), &member, 0).ignore();
    }
    let mut conn = engine.conn().await?;
    replies(&mut conn, &pipe).await.map(drop)
}

pub(super) async fn list_inbox(
    engine: &RedisEngine,
    user: UserId,
    filter: InboxFilter,
    page: &PageRequest,
) -> Result<Page<InboxEntry>, EngineError> {
    let set = if filter.unread_only {
        engine.keys.unread(user)
    } else {
        engine.keys.inbox(user)
    };
    let read_times = engine.keys.inbox_read(user);
    let queue = |pipe: &mut Pipeline, member: &str| {
        let id = ordered_id(member, NotificationId::parse)?;
        pipe.get(engine.keys.notification(id));
        pipe.hget(&read_times, id.to_string());
        Ok(())
    };
    let read = |replies: &mut Replies| {
        let text: Option<String> = next_reply(replies)?;
        let read_at: Option<String> = next_reply(replies)?;
        let Some(text) = text else {
            return Ok(None);
        };
        Ok(Some(InboxEntry {
            notification: from_json(&text)?,
            read_at: read_at.as_deref().map(parse_time).transpose()?,
        }))
    };
    let mut conn = engine.conn().await?;
    lex_page(
        &mut conn,
        &set,
        page.cursor.as_deref(),
        page.limit,
        queue,
        read,
    )
    .await
}

pub(super) async fn mark_notification_read(
    engine: &RedisEngine,
    user: UserId,
    id: NotificationId,
    at: DateTime<Utc>,
) -> Result<Option<InboxEntry>, EngineError> {
    let Some(notification) = engine
        .get_json::<Notification>(engine.keys.notification(id))
        .await?
    else {
        return Ok(None);
    };
    let mut conn = engine.conn().await?;
    let read_at: Option<String> = timed(
        "mark_notification_read",
        engine
            .scripts
            .mark_notification_read
            .key(engine.keys.inbox(user))
            .key(engine.keys.unread(user))
            .key(engine.keys.inbox_read(user))
            .arg(notification.inbox_key())
            .arg(id.to_string())
            .arg(at.to_rfc3339())
            .invoke_async(&mut conn),
    )
    .await?;
    let Some(read_at) = read_at else {
        return Ok(None);
    };
    Ok(Some(InboxEntry {
        notification,
        read_at: Some(parse_time(&read_at)?),
    }))
}
