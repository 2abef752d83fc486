//! The bodies webhooks receive, and how events other than new messages get into the
//! outboxes.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::{
    core::{
        events::Event,
        views::{MessageBody, UserBody},
    },
    domain::{ids::ClientId, message::Message, user::User},
    engine::Engine,
};

/// The body webhooks receive: `{id: "evt_…", event, created_at, client_id, data}`.
/// The id is fixed when the event is queued, once, so every retry of the event
/// carries the same one.
#[derive(Serialize)]
struct WebhookEvent<'a, T> {
    id: String,
    event: &'a str,
    created_at: DateTime<Utc>,
    client_id: ClientId,
    data: T,
}

impl<'a, T: Serialize> WebhookEvent<'a, T> {
    /// A new event, with a fresh id, happening now.
    fn now(client_id: ClientId, event: &'a str, data: T) -> Self {
        Self {
            id: event_id(),
            event,
            created_at: Utc::now(),
            client_id,
            data,
        }
    }

    fn body(&self) -> String {
        // Ids, names, times and JSON values: nothing here fails to serialize.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A fresh event id.
fn event_id() -> String {
    format!("evt_{}", uuid::Uuid::new_v4().simple())
}

/// The body of a `message.created`, built from what the append left in the outbox:
/// its id comes from the message's, so it is the same on every retry and node.
pub fn message_created(client: ClientId, message: &Message) -> Value {
    let event = WebhookEvent {
        id: format!("evt_{}", message.id.to_string().replace('-', "")),
        event: "message.created",
        created_at: message.created_at,
        client_id: client,
        data: MessageBody::from(message),
    };
    serde_json::to_value(event).unwrap_or_default()
}

/// Puts one event into the client's matching outboxes. A failure loses only the
/// webhook copy of the event, never the event: logged.
pub async fn enqueue(engine: &dyn Engine, client: ClientId, event: &str, data: Value) {
    let body = WebhookEvent::now(client, event, data).body();
    queue(engine, client, event, &body).await;
}

async fn queue(engine: &dyn Engine, client: ClientId, event: &str, body: &str) {
    if let Err(err) = engine.enqueue_event(client, event, body).await {
        tracing::warn!(error = %err, event, "webhook event not queued");
    }
}

/// A `user.*` event, with the user as the API shows it (never a key).
pub async fn user_event(engine: &dyn Engine, event: &str, user: &User) {
    queue(engine, user.client_id, event, &user_event_body(event, user)).await;
}

/// The whole body of a `user.*` event, for a store step that queues it itself (a
/// login's key rotation).
pub fn user_event_body(event: &str, user: &User) -> String {
    WebhookEvent::now(user.client_id, event, UserBody::from(user.clone())).body()
}

/// A room command's events, in order, for the outboxes. The room actor awaits this
/// before its next command, so a room's events enter the outboxes in their order.
/// New messages are not here (the append queued them), nor what only sockets care
/// about (typing, read positions, presence).
pub async fn room_events(
    engine: &dyn Engine,
    client: ClientId,
    created: Option<Value>,
    events: &[Event],
) {
    if let Some(room) = created {
        enqueue(engine, client, "room.created", room).await;
    }
    for event in events {
        let name = match event {
            Event::MessageUpdated(_) => "message.updated",
            Event::MessageDeleted { .. } => "message.deleted",
            Event::ReactionUpdated { .. } => "reaction.updated",
            Event::MemberJoined { .. } => "member.joined",
            Event::MemberLeft { .. } => "member.left",
            Event::RoomUpdated(_) => "room.updated",
            Event::RoomDeleted { .. } => "room.deleted",
            Event::MessageNew(_)
            | Event::Typing { .. }
            | Event::Read { .. }
            | Event::Presence { .. }
            | Event::Notification(_) => continue,
        };
        let data = serde_json::to_value(event)
            .ok()
            .and_then(|mut framed| framed.get_mut("data").map(Value::take))
            .unwrap_or(Value::Null);
        enqueue(engine, client, name, data).await;
    }
}
