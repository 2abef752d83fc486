//! Every Redis key name ChatAPI uses is built here, all under the configured prefix, so
//! that the layout can be read in one place and deployments can share a Redis.
//!
//! | key | type | holds |
//! |---|---|---|
//! | `client:{id}` | string | client JSON |
//! | `client:{id}:key` | string | digest of the live master key |
//! | `client:{id}:users` | sorted set | `User::order_key` members, lexically ordered |
//! | `client:{id}:email:{email}` | string | user id (lower-cased email) |
//! | `client:{id}:username:{name}` | string | user id (lower-cased username) |
//! | `client:{id}:events` | stream | security events, trimmed to 90 days |
//! | `user:{id}` | string | user JSON |
//! | `user:{id}:key` | string | digest of the live scoped key |
//! | `key:{digest}` | hash | key record; revoked ones expire as tombstones |
//!
//! The revoking scripts build `key:{digest}` themselves from [`Keys::key_record_prefix`],
//! since the digest to revoke is only known inside the script.

use crate::domain::{
    ids::{ClientId, UserId},
    keys::KeyDigest,
};

#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    pub fn client(&self, id: ClientId) -> String {
        format!("{}client:{id}", self.prefix)
    }

    pub fn client_key(&self, id: ClientId) -> String {
        format!("{}client:{id}:key", self.prefix)
    }

    pub fn user_order(&self, client: ClientId) -> String {
        format!("{}client:{client}:users", self.prefix)
    }

    pub fn email(&self, client: ClientId, email_key: &str) -> String {
        format!("{}client:{client}:email:{email_key}", self.prefix)
    }

    pub fn username(&self, client: ClientId, username_key: &str) -> String {
        format!("{}client:{client}:username:{username_key}", self.prefix)
    }

    pub fn events(&self, client: ClientId) -> String {
        format!("{}client:{client}:events", self.prefix)
    }

    pub fn user(&self, id: UserId) -> String {
        format!("{}user:{id}", self.prefix)
    }

    pub fn user_key(&self, id: UserId) -> String {
        format!("{}user:{id}:key", self.prefix)
    }

    pub fn key_record(&self, digest: &KeyDigest) -> String {
        format!("{}{}", self.key_record_prefix(), digest.to_hex())
    }

    pub fn key_record_prefix(&self) -> String {
        format!("{}key:", self.prefix)
    }
}
