//! Who a request is made by, once its key has been checked.

use chrono::{DateTime, Utc};

use crate::domain::{
    client::Client,
    keys::{KeyDigest, KeyKind},
    user::User,
};

/// A request made with a live master key.
#[derive(Debug, Clone)]
pub struct MasterCaller {
    pub client: Client,
    /// The caller's address, for the security events its requests cause.
    pub ip: Option<String>,
}

/// A request made with a user's live scoped key.
#[derive(Debug, Clone)]
pub struct UserCaller {
    pub client: Client,
    pub user: User,
    /// Digest of the key used, so logout revokes exactly this key.
    pub key: KeyDigest,
    /// When that key expires: a WebSocket opened with it closes then.
    pub key_expires_at: Option<DateTime<Utc>>,
    /// The caller's address, for the security events its requests cause.
    pub ip: Option<String>,
}

/// Whoever a valid key belongs to: requests open to both kinds take this.
// One caller is built per request and moved, never stored in bulk: boxing the larger
// variant would only add an allocation per request.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Caller {
    Master(MasterCaller),
    User(UserCaller),
}

impl Caller {
    pub fn client(&self) -> &Client {
        match self {
            Caller::Master(caller) => &caller.client,
            Caller::User(caller) => &caller.client,
        }
    }

    /// The user, for a scoped key.
    pub fn user(&self) -> Option<&User> {
        match self {
            Caller::Master(_) => None,
            Caller::User(caller) => Some(&caller.user),
        }
    }

    /// The kind of key the caller authenticated with.
    pub fn key_kind(&self) -> KeyKind {
        match self {
            Caller::Master(_) => KeyKind::Master,
            Caller::User(_) => KeyKind::User,
        }
    }

    /// The same caller, making a request from `ip`.
    pub fn with_ip(mut self, ip: Option<String>) -> Self {
        match &mut self {
            Caller::Master(caller) => caller.ip = ip,
            Caller::User(caller) => caller.ip = ip,
        }
        self
    }
}
