//! The storage seam. Everything a node stores goes through [`Store`]; two back ends
//! implement it: [`memory::MemoryEngine`] (the embedded single-node default) and
//! [`redis::RedisEngine`] (shared by any number of nodes). One is chosen at start-up
//! and used as `Arc<dyn Engine>`; the same contract tests run against both.
//!
//! Invariants every back end keeps, each write being atomic:
//! - a user or client has at most one live key, and replacing it revokes the old one
//!   in the same step, so there is no instant where both or neither work;
//! - emails and usernames are unique per client, compared case-insensitively;
//! - a deactivated or deleted user holds no live key.
//!
//! Rooms, messages, presence and pub/sub join this seam in later steps, as the
//! `Broker` and `Presence` traits beside `Store`.

pub mod memory;
pub mod redis;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{
    client::Client,
    ids::{ClientId, UserId},
    keys::{KeyDigest, KeyRecord},
    page::{Page, PageRequest},
    security_event::{EventFilter, SecurityEvent},
    user::{User, UserFilter},
};

/// Why a store call failed. Each variant maps to one HTTP answer in `error.rs`.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store cannot be reached now (refused, timed out, loading): 503, retry.
    #[error("store unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    #[error("email already taken")]
    EmailTaken,
    #[error("username already taken")]
    UsernameTaken,
    /// The store answered something we cannot read: a bug or a foreign writer.
    #[error("store returned unreadable data: {0:#}")]
    Corrupt(anyhow::Error),
}

/// The result of replacing an owner's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// The new key is live; the previous one (if any) is revoked.
    Rotated,
    /// The owner no longer exists.
    OwnerGone,
    /// The owner is deactivated; no key was issued.
    OwnerDisabled,
}

/// The outcome of a compare-and-set update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    Applied,
    /// The record changed (or vanished) since it was read; read again and retry.
    Stale,
}

/// Everything stored, CRUD-ordered per record kind. Both back ends mirror this order.
/// A revoked key keeps its record, marked `revoked_at`, for
/// [`RECORD_RETENTION`](crate::domain::keys::RECORD_RETENTION)
/// (and an expired one as long after its expiry), so a late use is attributed.
#[async_trait]
pub trait Store: Send + Sync {
    /// One round trip; `GET /ready` uses it.
    async fn ping(&self) -> Result<(), EngineError>;

    // --- clients -------------------------------------------------------------

    /// Stores a new client and makes `master_key` its live key.
    async fn create_client(
        &self,
        client: &Client,
        master_key: &KeyRecord,
    ) -> Result<(), EngineError>;
    async fn get_client(&self, id: ClientId) -> Result<Option<Client>, EngineError>;
    /// Overwrites the client's editable fields.
    async fn update_client(&self, client: &Client) -> Result<(), EngineError>;

    // --- keys ----------------------------------------------------------------

    /// The record of the key with this digest, live, expired or revoked.
    async fn find_key(&self, digest: &KeyDigest) -> Result<Option<KeyRecord>, EngineError>;
    /// Makes `new_key` its owner's live key and revokes the previous one, atomically;
    /// refuses if the owner is gone or deactivated.
    async fn rotate_key(
        &self,
        new_key: &KeyRecord,
        revoked_at: DateTime<Utc>,
    ) -> Result<Rotation, EngineError>;
    /// Revokes the user's live key; with `only` set, only if that key is the live one.
    /// Returns whether a key was revoked.
    async fn revoke_user_key(
        &self,
        user: UserId,
        only: Option<&KeyDigest>,
        revoked_at: DateTime<Utc>,
    ) -> Result<bool, EngineError>;

    // --- users ---------------------------------------------------------------

    /// Stores a new user with `key` as its live key; `EmailTaken` / `UsernameTaken`
    /// when the client has one already.
    async fn create_user(&self, user: &User, key: &KeyRecord) -> Result<(), EngineError>;
    async fn get_user(&self, id: UserId) -> Result<Option<User>, EngineError>;
    async fn find_user_by_email(
        &self,
        client: ClientId,
        email_key: &str,
    ) -> Result<Option<User>, EngineError>;
    /// The client's users in creation order.
    async fn list_users(
        &self,
        client: ClientId,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, EngineError>;
    /// Replaces `before` with `after` if the stored user still equals `before`. A
    /// deactivation revokes the live key in the same step.
    async fn update_user(
        &self,
        before: &User,
        after: &User,
        revoked_at: DateTime<Utc>,
    ) -> Result<Update, EngineError>;
    /// Deletes the user and revokes its key; returns whether it existed.
    async fn delete_user(
        &self,
        user: &User,
        revoked_at: DateTime<Utc>,
    ) -> Result<bool, EngineError>;

    // --- security events -----------------------------------------------------

    async fn record_event(&self, event: &SecurityEvent) -> Result<(), EngineError>;
    /// The client's events, newest first, within the retention window.
    async fn list_events(
        &self,
        client: ClientId,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Result<Page<SecurityEvent>, EngineError>;
}

/// All the back-end traits joined; what the rest of the node holds.
pub trait Engine: Store {}

impl<T: Store> Engine for T {}

/// The engine as the node shares it.
pub type SharedEngine = Arc<dyn Engine>;
