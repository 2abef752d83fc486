//! The application's rules, with no transport in them: who a key belongs to, what a
//! client and a user may do, every room and message command, and the actors that order
//! and fan out each room's events. It speaks in domain types and [`ApiError`]; the two
//! edges, `http/` (REST) and `ws/` (WebSocket frames), translate to and from it, and
//! nothing here imports either of them or `actix_web`.
//!
//! [`Core`] is the application state both edges hold: the engine, this node's
//! registry, and the settings the rules need.

pub mod actors;
pub mod analytics;
pub mod auth;
pub mod clients;
pub mod error;
pub mod events;
pub mod limits;
pub mod messages;
pub mod notifications;
pub mod rooms;
mod run;
pub mod security_events;
pub mod sessions;
pub mod sockets;
pub mod update;
pub mod upkeep;
pub mod users;
pub mod views;
pub mod webhooks;

use std::sync::Arc;

use actix::Addr;
use chrono::Duration;

use self::actors::{
    cluster::{Control, ControlNotice, NodeInfo},
    messages::{CloseReason, CloseUserSessions, ForgetCallers},
    registry::Registry,
};
pub use self::error::{ApiError, ErrorCode};
use crate::{
    config::Settings,
    domain::{
        ids::{ClientId, UserId},
        keys::KeyDigest,
    },
    engine::SharedEngine,
};

/// What every request on this node shares, whichever edge it came by.
pub struct Core {
    /// The store, the broker and presence, chosen once at start-up.
    pub engine: SharedEngine,
    /// This node's registry: rooms and sessions.
    pub registry: Addr<Registry>,
    /// This node, as the real-time core knows it.
    pub node: Arc<NodeInfo>,
    /// Lifetime of a scoped key.
    pub scoped_key_ttl: Duration,
    /// Where webhooks may point and how they retry.
    pub webhooks: webhooks::WebhookSettings,
    /// Digest of `CHATAPI_ADMIN_TOKEN`, compared in constant time; `None` leaves
    /// client registration open (development).
    pub admin_token: Option<KeyDigest>,
}

impl Core {
    pub fn new(
        engine: SharedEngine,
        registry: Addr<Registry>,
        node: Arc<NodeInfo>,
        settings: &Settings,
    ) -> Self {
        Self {
            engine,
            registry,
            node,
            scoped_key_ttl: Duration::from_std(settings.scoped_key_ttl).unwrap_or(Duration::MAX),
            webhooks: webhooks::WebhookSettings {
                allow_private: settings.webhooks_allow_private,
                retry_base: settings.webhooks_retry_base,
            },
            admin_token: settings
                .admin_token
                .as_ref()
                .map(|token| KeyDigest::of(token.expose())),
        }
    }

    /// The control notice a key rotation publishes in its own atomic step
    /// (`RotationRecord`), from this node.
    pub fn rotation_notice(&self, control: Control) -> Result<String, ApiError> {
        let notice = ControlNotice {
            origin: self.node.id,
            control,
        };
        serde_json::to_string(&notice).map_err(ApiError::internal)
    }

    /// After a rotation that announced itself: closes the user's WebSockets on this
    /// node, but those opened with `keep` (the new key). The other nodes close theirs
    /// when they hear the rotation's notice.
    pub async fn close_sessions_here(&self, user_id: UserId, keep: KeyDigest) {
        self.close_revoked(user_id, Some(keep), false).await;
    }

    /// Closes the user's WebSockets on every node because their key was revoked, but
    /// those opened with `keep` (the key a rotation just issued).
    /// The key stops opening doors here at once (the caller cache), and on other
    /// nodes when they hear the same notice. Returns once Redis has taken the notice,
    /// so it is on its way to every node before the caller is answered.
    pub async fn close_sessions(&self, user_id: UserId, keep: Option<KeyDigest>) {
        self.close_revoked(user_id, keep, true).await;
    }

    /// Forgets the user's callers here and closes its sessions here but `keep`'s;
    /// with `announce`, tells every other node too, and returns once Redis has it.
    async fn close_revoked(&self, user_id: UserId, keep: Option<KeyDigest>, announce: bool) {
        self.node.callers.forget_user(user_id);
        let close = CloseUserSessions {
            user_id,
            keep,
            reason: CloseReason::KeyRevoked,
            announce,
        };
        // Only a node shutting down refuses.
        let _ = self.registry.send(close).await;
    }

    /// A user (or, without one, a whole client) changed: what a request sees of it
    /// is read from the store again, on this node at once and on the others when they
    /// hear the notice. Returns once Redis has taken the notice.
    pub async fn forget_callers(&self, client_id: ClientId, user_id: Option<UserId>) {
        match user_id {
            Some(user_id) => self.node.callers.forget_user(user_id),
            None => self.node.callers.forget_client(client_id),
        }
        // Only a node shutting down refuses.
        let _ = self
            .registry
            .send(ForgetCallers { client_id, user_id })
            .await;
    }
}
