//! `/users`: the client's users (master key) and a user's own account (scoped key).

pub mod create;
pub mod delete;
pub mod list;
pub mod login;
pub mod logout;
pub mod me;
pub mod profile;
pub mod read;
pub mod revoke;
pub mod update;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{
    actors::messages::CloseUserSessions,
    domain::{
        ids::{ClientId, UserId},
        keys::KeyDigest,
        user::{parse_full_name, parse_metadata, Metadata, User, Username},
        validation::Validator,
    },
    engine::Update,
    error::{ApiError, ErrorCode},
    http::state::AppState,
    ws::protocol::close,
};

/// A user as the API shows it; never with a key.
#[derive(Debug, Serialize)]
pub struct UserBody {
    pub id: UserId,
    pub email: String,
    pub username: String,
    pub full_name: Option<String>,
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

/// Closes the user's WebSockets with 4003 (key revoked), but those opened with `keep`.
pub fn close_sessions(state: &AppState, user_id: UserId, keep: Option<KeyDigest>) {
    state.registry.do_send(CloseUserSessions {
        user_id,
        keep,
        code: close::KEY_REVOKED,
    });
}

/// Loads a user of `client` by its id as written in the path; another client's user
/// is as unknown as a missing one.
pub async fn client_user(state: &AppState, client: ClientId, id: &str) -> Result<User, ApiError> {
    let id = UserId::parse(id).ok_or(ErrorCode::UserNotFound)?;
    match state.engine.get_user(id).await? {
        Some(user) if user.client_id == client => Ok(user),
        _ => Err(ErrorCode::UserNotFound.into()),
    }
}

/// The editable fields of a user; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub full_name: Option<String>,
    pub username: Option<Username>,
    pub metadata: Option<Metadata>,
    pub is_active: Option<bool>,
}

/// How often a compare-and-set update is retried when another writer got there first.
const UPDATE_ATTEMPTS: usize = 8;

impl UserChanges {
    /// Validates the editable fields a request sent, reporting every bad one.
    pub fn parse(
        full_name: Option<String>,
        username: Option<String>,
        metadata: Option<serde_json::Value>,
        is_active: Option<bool>,
    ) -> Result<Self, ApiError> {
        let mut validator = Validator::default();
        let full_name = validator.check_opt("full_name", full_name, parse_full_name);
        let username = validator.check_opt("username", username, |u| Username::parse(&u));
        let metadata = validator.check_opt("metadata", metadata, parse_metadata);
        let (Some(full_name), Some(username), Some(metadata)) = (full_name, username, metadata)
        else {
            return Err(ApiError::validation(validator.into_errors()));
        };
        Ok(Self {
            full_name,
            username,
            metadata,
            is_active,
        })
    }

    fn apply(&self, user: &User, now: DateTime<Utc>) -> User {
        let mut after = user.clone();
        if let Some(full_name) = &self.full_name {
            after.full_name = Some(full_name.clone());
        }
        if let Some(username) = &self.username {
            after.username = username.clone();
        }
        if let Some(metadata) = &self.metadata {
            after.metadata = metadata.clone();
        }
        if let Some(is_active) = self.is_active {
            after.is_active = is_active;
        }
        after.updated_at = now;
        after
    }

    /// Applies the changes to the stored user, re-reading and retrying if it changed
    /// underneath. Returns the user before and after.
    pub async fn save(&self, state: &AppState, user: User) -> Result<(User, User), ApiError> {
        let mut before = user;
        for _ in 0..UPDATE_ATTEMPTS {
            let now = Utc::now();
            let after = self.apply(&before, now);
            match state.engine.update_user(&before, &after, now).await? {
                Update::Applied => return Ok((before, after)),
                Update::Stale => match state.engine.get_user(before.id).await? {
                    Some(fresh) => before = fresh,
                    None => return Err(ErrorCode::UserNotFound.into()),
                },
            }
        }
        Err(ApiError::with_detail(
            ErrorCode::ServiceUnavailable,
            "The user is being changed concurrently; retry",
        ))
    }
}
