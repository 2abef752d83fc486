//! Security events: the audit trail of every authentication action (`API.md` §7).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ids::{ClientId, UserId};

/// How long events are kept.
pub const RETENTION: Duration = Duration::days(90);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum SecurityEventKind {
    #[serde(rename = "client.created")]
    ClientCreated,
    #[serde(rename = "master_key.rotated")]
    MasterKeyRotated,
    #[serde(rename = "user.created")]
    UserCreated,
    #[serde(rename = "user.login")]
    UserLogin,
    #[serde(rename = "key.revoked")]
    KeyRevoked,
    #[serde(rename = "key.expired")]
    KeyExpired,
    #[serde(rename = "auth.failed")]
    AuthFailed,
    #[serde(rename = "permission.denied")]
    PermissionDenied,
}

impl SecurityEventKind {
    /// Parses the wire name (`user.login`, …).
    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
    }
}

/// One recorded event. `reason` says why (for failures and revocations); `key_prefix`
/// is the shown prefix of the key involved, never the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SecurityEvent {
    pub id: uuid::Uuid,
    pub client_id: ClientId,
    #[serde(rename = "type")]
    pub kind: SecurityEventKind,
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_id: Option<UserId>,
    pub reason: Option<String>,
    pub key_prefix: Option<String>,
}

/// Which events a listing returns.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub kind: Option<SecurityEventKind>,
    pub user_id: Option<UserId>,
}

impl EventFilter {
    pub fn matches(&self, event: &SecurityEvent) -> bool {
        self.kind.is_none_or(|kind| kind == event.kind)
            && self.user_id.is_none_or(|user| event.user_id == Some(user))
    }
}

impl SecurityEvent {
    /// An event of `kind` for `client`, now, from `ip`.
    pub fn new(client_id: ClientId, kind: SecurityEventKind, ip: Option<String>) -> Self {
        Self {
            id: uuid::Uuid::new_v4(),
            client_id,
            kind,
            at: Utc::now(),
            ip,
            user_id: None,
            reason: None,
            key_prefix: None,
        }
    }

    pub fn user(mut self, user: UserId) -> Self {
        self.user_id = Some(user);
        self
    }

    pub fn reason(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned());
        self
    }

    pub fn key_prefix(mut self, shown: String) -> Self {
        self.key_prefix = Some(shown);
        self
    }
}
