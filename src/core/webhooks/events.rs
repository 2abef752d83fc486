//! The bodies webhooks receive, and how events other than new messages get into the
//! outboxes.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::{
    core::{
        events::Event,
        views::{MessageBody, UserBody},
    },
    domain::{ids::ClientId, message::Message, user::User},
    engine::Engine,
};

/// `{id: "evt_…", event, created_at, client_id, data}`. The id is fixed here, once,
/// so every retry of the event carries the same one.
pub fn webhook_event(
    id: String,
    client: ClientId,
    event: &str,
    created_at: DateTime<Utc>,
    data: Value,
) -> Value {
    json!({
        "id": id,
        "event": event,
        "created_at": created_at,
        "client_id": client,
        "data": data,
    })
}

/// A fresh event id.
pub fn event_id() -> String {
    format!("evt_{}", uuid::Uuid::new_v4().simple())
}

/// The body of a `message.created`, built from what the append left in the outbox:
/// its id comes from the message's, so it is the same on every retry and node.
pub fn message_created(client: ClientId, message: &Message) -> Value {
    webhook_event(
        format!("evt_{}", message.id.to_string().replace('-', "")),
        client,
        "message.created",
        message.created_at,
        json!(MessageBody::from(message)),
    )
}

/// Puts one event into the client's matching outboxes. A failure loses only the
/// webhook copy of the event, never the event: logged.
pub async fn enqueue(engine: &dyn Engine, client: ClientId, event: &str, data: Value) {
    let body = webhook_event(event_id(), client, event, Utc::now(), data).to_string();
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
    let shown = serde_json::to_value(UserBody::from(user.clone())).unwrap_or_default();
    webhook_event(event_id(), user.client_id, event, Utc::now(), shown).to_string()
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
