//! `POST /notifications`: validate, resolve the audience to users of the calling
//! client, store the notification in every inbox, then tell the connected ones.
//!
//! The store comes first, so a recipient that sees the frame can already find the
//! entry in its inbox. The frame goes only to recipients with a live connection
//! somewhere (read from presence), through the registry, which delivers it here and
//! publishes it on the control channel for the other nodes.

use chrono::Utc;
use serde::Deserialize;

use crate::{
    core::{
        actors::{messages::NotifyUsers, Tell},
        auth::MasterCaller,
        events::Event,
        views::{NotificationBody, NotificationSent},
        webhooks, ApiError, Core, ErrorCode,
    },
    domain::{
        ids::{NotificationId, RoomId, UserId},
        notification::{Notification, Priority, MAX_BODY_CHARS, MAX_RECIPIENTS, MAX_TITLE_CHARS},
        page::{PageRequest, MAX_LIMIT},
        user::{parse_metadata, Metadata},
        validation::{chars_within, Validator},
    },
};

/// The fields of `POST /notifications`, as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationFields {
    /// 1 to 1,000 users of the caller's client; or `room_id`, not both.
    user_ids: Option<Vec<UserId>>,
    /// The room's members at sending time.
    room_id: Option<RoomId>,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    title: String,
    /// 1 to 10,000 characters.
    #[schema(min_length = 1, max_length = 10000)]
    body: String,
    /// A JSON object of at most 4 KiB.
    #[schema(value_type = Option<Object>)]
    data: Option<serde_json::Value>,
    #[schema(value_type = Option<Priority>)]
    priority: Option<String>,
}

/// Who a notification is for, as asked.
enum Audience {
    Users(Vec<UserId>),
    /// The room's members at the time of sending.
    Room(RoomId),
}

struct SendNotification {
    audience: Audience,
    title: String,
    body: String,
    data: Metadata,
    priority: Priority,
}

impl SendNotification {
    fn parse(fields: NotificationFields) -> Result<Self, ApiError> {
        let mut validator = Validator::default();
        let audience = validator.check(
            "user_ids",
            match (fields.user_ids, fields.room_id) {
                (Some(users), None) => parse_users(users).map(Audience::Users),
                (None, Some(room)) => Ok(Audience::Room(room)),
                _ => Err("give either user_ids or room_id".to_owned()),
            },
        );
        let title = validator.check(
            "title",
            chars_within(&fields.title, 1, MAX_TITLE_CHARS).map(|()| fields.title),
        );
        let body = validator.check(
            "body",
            chars_within(&fields.body, 1, MAX_BODY_CHARS).map(|()| fields.body),
        );
        let data = validator.check_opt("data", fields.data, parse_metadata);
        let priority = validator.check_opt("priority", fields.priority, |p| Priority::parse(&p));
        let (Some(audience), Some(title), Some(body), Some(data), Some(priority)) =
            (audience, title, body, data, priority)
        else {
            return Err(ApiError::validation(validator.into_errors()));
        };
        Ok(Self {
            audience,
            title,
            body,
            data: data.unwrap_or_default(),
            priority: priority.unwrap_or_default(),
        })
    }
}

/// One to [`MAX_RECIPIENTS`] users, each counted once.
fn parse_users(mut users: Vec<UserId>) -> Result<Vec<UserId>, String> {
    users.sort();
    users.dedup();
    if (1..=MAX_RECIPIENTS).contains(&users.len()) {
        Ok(users)
    } else {
        Err(format!("must name 1 to {MAX_RECIPIENTS} users"))
    }
}

impl Core {
    pub async fn send_notification(
        &self,
        caller: &MasterCaller,
        fields: NotificationFields,
    ) -> Result<NotificationSent, ApiError> {
        let request = SendNotification::parse(fields)?;
        let recipients = self.audience(caller, &request.audience).await?;
        let notification = Notification {
            id: NotificationId::random_in(caller.client.id.shard()),
            client_id: caller.client.id,
            title: request.title,
            body: request.body,
            data: request.data,
            priority: request.priority,
            created_at: Utc::now(),
        };
        self.engine
            .create_notification(&notification, &recipients)
            .await?;
        let shown = serde_json::json!({
            "notification": NotificationBody::from(notification.clone()),
            "recipients": recipients,
        });
        webhooks::enqueue(
            self.engine.as_ref(),
            caller.client.id,
            "notification.created",
            shown,
        )
        .await;
        let connected = self.engine.users_connected(&recipients).await?;
        let event = Event::Notification(NotificationBody::from(notification.clone()));
        if let (Some(frame), false) = (event.encode(), connected.is_empty()) {
            self.registry.tell(NotifyUsers {
                user_ids: connected.clone(),
                frame,
            });
        }
        Ok(NotificationSent {
            id: notification.id,
            recipients: recipients.len(),
            delivered_online: connected.len(),
            created_at: notification.created_at,
        })
    }

    /// The users a notification goes to: each named user, which must be the
    /// caller's (`USER_NOT_FOUND` otherwise), or every member of the caller's room.
    async fn audience(
        &self,
        caller: &MasterCaller,
        audience: &Audience,
    ) -> Result<Vec<UserId>, ApiError> {
        match audience {
            Audience::Users(users) => {
                for &user in users {
                    match self.engine.get_user(user).await? {
                        Some(found) if found.client_id == caller.client.id => {}
                        _ => {
                            return Err(ApiError::with_detail(
                                ErrorCode::UserNotFound,
                                format!("User {user} not found"),
                            ))
                        }
                    }
                }
                Ok(users.clone())
            }
            Audience::Room(room) => {
                match self.engine.get_room(*room).await? {
                    Some((found, _)) if found.client_id == caller.client.id => {}
                    _ => return Err(ErrorCode::RoomNotFound.into()),
                }
                let mut members = Vec::new();
                let mut page = PageRequest {
                    limit: MAX_LIMIT,
                    cursor: None,
                };
                loop {
                    let batch = self.engine.list_members(*room, &page).await?;
                    members.extend(batch.data.iter().map(|member| member.membership.user_id));
                    match batch.next_cursor {
                        Some(cursor) => page.cursor = Some(cursor),
                        None => return Ok(members),
                    }
                }
            }
        }
    }
}
