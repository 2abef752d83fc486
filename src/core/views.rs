//! The JSON shapes the core answers with (clients, users, rooms, members, messages),
//! shared by REST answers and WebSocket frames so both always show the same thing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{
    analytics::NodeLoad,
    client::Client,
    ids::{ClientId, MessageId, NotificationId, RoomId, UserId, WebhookId},
    message::{Message, MessageType},
    notification::{InboxEntry, Notification, Priority},
    room::{Inactivity, Member, Membership, Role, Room, RoomStats, RoomType},
    user::{Metadata, User},
    webhook::{Delivery, DeliveryStatus, Webhook},
};

/// Nothing to show: `{}` in a WebSocket `ack`, 204 on REST.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Done {}

/// Something asked for that may already have existed: a direct room asked for again,
/// a message resent with a `client_msg_id` already seen. Shown as the thing itself;
/// REST answers 201 for `New` and 200 for `Existing`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Made<T> {
    New(T),
    Existing(T),
}

impl<T> Made<T> {
    pub fn is_new(&self) -> bool {
        matches!(self, Self::New(_))
    }
}

/// A client as the API shows it; never with a key.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientBody {
    pub id: ClientId,
    pub name: String,
    pub description: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Client> for ClientBody {
    fn from(client: Client) -> Self {
        Self {
            id: client.id,
            name: client.name,
            description: client.description,
            is_active: client.is_active,
            created_at: client.created_at,
        }
    }
}

/// A user as the API shows it; never with a key.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserBody {
    pub id: UserId,
    pub email: String,
    pub username: String,
    pub full_name: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserBody {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            email: user.email.as_str().to_owned(),
            username: user.username.as_str().to_owned(),
            full_name: user.full_name,
            metadata: user.metadata,
            is_active: user.is_active,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// `API.md` §5 room.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomBody {
    pub id: RoomId,
    pub name: String,
    pub description: Option<String>,
    pub room_type: RoomType,
    pub is_private: bool,
    pub max_members: u32,
    pub created_by: Option<UserId>,
    pub member_count: u64,
    pub last_message_at: Option<DateTime<Utc>>,
    pub last_seq: u64,
    pub created_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    /// False once the room has had no message for its type's period (§7).
    pub is_active: bool,
}

impl RoomBody {
    pub fn new(room: Room, stats: RoomStats, inactivity: &Inactivity) -> Self {
        let is_active = inactivity.is_active(&room, &stats, Utc::now());
        Self {
            is_active,
            id: room.id,
            name: room.name,
            description: room.description,
            room_type: room.room_type,
            is_private: room.is_private,
            max_members: room.max_members,
            created_by: room.created_by,
            member_count: stats.member_count,
            last_message_at: stats.last_message_at,
            last_seq: stats.last_seq,
            created_at: room.created_at,
            metadata: room.metadata,
        }
    }
}

/// A room in the caller's own list: with its read position.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyRoomBody {
    #[serde(flatten)]
    pub room: RoomBody,
    pub unread_count: u64,
    pub last_read_seq: u64,
    pub role: Role,
}

/// `{room_id, user_id, role, joined_at}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MembershipBody {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

impl From<Membership> for MembershipBody {
    fn from(m: Membership) -> Self {
        Self {
            room_id: m.room_id,
            user_id: m.user_id,
            role: m.role,
            joined_at: m.joined_at,
        }
    }
}

/// One entry of `GET /rooms/{id}/members`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberBody {
    pub user_id: UserId,
    /// `None` when the user has been deleted meanwhile.
    pub username: Option<String>,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub last_read_seq: u64,
    pub online: bool,
}

impl MemberBody {
    pub fn new(member: Member, username: Option<String>, online: bool) -> Self {
        Self {
            user_id: member.membership.user_id,
            username,
            role: member.membership.role,
            joined_at: member.membership.joined_at,
            last_read_seq: member.last_read_seq,
            online,
        }
    }
}

/// `API.md` §5 message; reactions shown as counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageBody {
    pub id: MessageId,
    pub room_id: RoomId,
    pub seq: u64,
    pub sender_id: Option<UserId>,
    pub content: String,
    pub message_type: MessageType,
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    pub reply_to: Option<MessageId>,
    pub reactions: BTreeMap<String, usize>,
    pub client_msg_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<&Message> for MessageBody {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id,
            room_id: m.room_id,
            seq: m.seq,
            sender_id: m.sender_id,
            content: m.content.clone(),
            message_type: m.message_type,
            metadata: m.metadata.clone(),
            reply_to: m.reply_to,
            reactions: m.reaction_counts(),
            client_msg_id: m.client_msg_id.clone(),
            created_at: m.created_at,
            edited_at: m.edited_at,
            deleted_at: m.deleted_at,
        }
    }
}

/// `GET /rooms/{id}/presence`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PresenceBody {
    pub online: Vec<UserId>,
    pub count: usize,
}

/// `POST /rooms/{id}/read`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadBody {
    pub room_id: RoomId,
    pub last_read_seq: u64,
    pub unread_count: u64,
}

/// A notification as its recipients see it: the `data` of a `notification` frame.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationBody {
    pub id: NotificationId,
    pub title: String,
    pub body: String,
    #[schema(value_type = Object)]
    pub data: Metadata,
    pub priority: Priority,
    pub created_at: DateTime<Utc>,
}

impl From<Notification> for NotificationBody {
    fn from(notification: Notification) -> Self {
        Self {
            id: notification.id,
            title: notification.title,
            body: notification.body,
            data: notification.data,
            priority: notification.priority,
            created_at: notification.created_at,
        }
    }
}

/// `POST /notifications`: how many users it went to, and how many of them had a
/// live connection (and got the frame at once).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationSent {
    pub id: NotificationId,
    pub recipients: usize,
    pub delivered_online: usize,
    pub created_at: DateTime<Utc>,
}

/// One entry of `GET /notifications`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboxEntryBody {
    #[serde(flatten)]
    pub notification: NotificationBody,
    pub is_read: bool,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<InboxEntry> for InboxEntryBody {
    fn from(entry: InboxEntry) -> Self {
        Self {
            notification: entry.notification.into(),
            is_read: entry.read_at.is_some(),
            read_at: entry.read_at,
        }
    }
}

/// `GET /analytics`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnalyticsBody {
    /// `hour` or `day`.
    #[schema(value_type = String)]
    pub bucket: &'static str,
    pub data: Vec<BucketBody>,
}

/// One bucket of `GET /analytics`, starting at `start`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BucketBody {
    pub start: DateTime<Utc>,
    pub users: u64,
    pub active_users: u64,
    pub rooms: u64,
    pub messages_sent: u64,
    pub messages_delivered: u64,
    pub peak_connections: u64,
}

/// `GET /analytics/live`: each live node, and the sum.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveBody {
    pub nodes: Vec<NodeLoadBody>,
    pub total: LiveTotal,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NodeLoadBody {
    pub node: String,
    pub connections: u64,
    pub messages_per_sec: f64,
    /// When the node reported this.
    pub at: DateTime<Utc>,
}

impl From<NodeLoad> for NodeLoadBody {
    fn from(load: NodeLoad) -> Self {
        Self {
            node: load.node,
            connections: load.connections,
            messages_per_sec: load.messages_per_sec,
            at: load.at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveTotal {
    pub connections: u64,
    pub messages_per_sec: f64,
}

/// A webhook as the API shows it; never with its secret but at creation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookBody {
    pub id: WebhookId,
    pub url: String,
    pub events: Vec<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookBody {
    fn from(webhook: Webhook) -> Self {
        Self {
            id: webhook.id,
            url: webhook.url,
            events: webhook.events.0,
            is_active: webhook.is_active,
            created_at: webhook.created_at,
            updated_at: webhook.updated_at,
        }
    }
}

/// `POST /webhooks`: the webhook with its signing secret, shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookBody,
    pub secret: String,
}

impl From<Webhook> for CreatedWebhook {
    fn from(webhook: Webhook) -> Self {
        let secret = webhook.secret.clone();
        Self {
            webhook: webhook.into(),
            secret,
        }
    }
}

/// One attempt of `GET /webhooks/{id}/deliveries`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryBody {
    pub id: String,
    pub event_id: String,
    pub event: String,
    pub attempt: u32,
    pub status: DeliveryStatus,
    pub response_code: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<Delivery> for DeliveryBody {
    fn from(delivery: Delivery) -> Self {
        Self {
            id: delivery.id,
            event_id: delivery.event_id,
            event: delivery.event,
            attempt: delivery.attempt,
            status: delivery.status,
            response_code: delivery.response_code,
            latency_ms: delivery.latency_ms,
            error: delivery.error,
            at: delivery.at,
        }
    }
}
