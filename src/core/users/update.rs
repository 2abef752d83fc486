//! `PATCH /users/{id}` (the client edits a user; `is_active: false` deactivates it,
//! which revokes its key in the same write) and `PUT /users/profile` (a user edits
//! its own name, username or metadata).

use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    core::{
        auth::{MasterCaller, UserCaller},
        update::compare_and_set,
        views::UserBody,
        webhooks, ApiError, Core,
    },
    domain::{
        user::{parse_full_name, parse_metadata, Metadata, User, Username},
        validation::Validator,
    },
};

/// The fields the client may edit, as sent; absent ones stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChangeFields {
    #[schema(max_length = 100)]
    full_name: Option<String>,
    #[schema(pattern = "^[A-Za-z0-9_.-]{3,32}$")]
    username: Option<String>,
    /// A JSON object of at most 4 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
    is_active: Option<bool>,
}

/// The fields a user may edit of itself, as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileFields {
    #[schema(max_length = 100)]
    full_name: Option<String>,
    #[schema(pattern = "^[A-Za-z0-9_.-]{3,32}$")]
    username: Option<String>,
    /// A JSON object of at most 4 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
}

/// Validated edits; `None` leaves a field as it is.
struct UserChanges {
    full_name: Option<String>,
    username: Option<Username>,
    metadata: Option<Metadata>,
    is_active: Option<bool>,
}

impl UserChanges {
    /// Validates the editable fields a request sent, reporting every bad one.
    fn parse(
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

    /// Writes the changes over the stored user (re-applied if it changed underneath);
    /// returns the user before and after. Requests see the new user from then on, on
    /// every node (the caller cache).
    async fn save(&self, core: &Core, user: User) -> Result<(User, User), ApiError> {
        let saved = compare_and_set(core.engine.as_ref(), user, |user| {
            if let Some(full_name) = &self.full_name {
                user.full_name = Some(full_name.clone());
            }
            if let Some(username) = &self.username {
                user.username = username.clone();
            }
            if let Some(metadata) = &self.metadata {
                user.metadata = metadata.clone();
            }
            if let Some(is_active) = self.is_active {
                user.is_active = is_active;
            }
            user.updated_at = Utc::now();
            Ok(true)
        })
        .await?;
        let before = saved.before;
        let after = saved.after.unwrap_or_else(|| before.clone());
        core.forget_callers(after.client_id, Some(after.id)).await;
        Ok((before, after))
    }
}

impl Core {
    #[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
    pub async fn update_user(
        &self,
        caller: &MasterCaller,
        id: &str,
        fields: UserChangeFields,
    ) -> Result<UserBody, ApiError> {
        let changes = UserChanges::parse(
            fields.full_name,
            fields.username,
            fields.metadata,
            fields.is_active,
        )?;
        let user = self.client_user(caller, id).await?;
        let (before, after) = changes.save(self, user).await?;
        if before.is_active && !after.is_active {
            let ip = caller.ip.clone();
            self.key_revoked(after.client_id, after.id, ip, "user_deactivated")
                .await;
        }
        webhooks::user_event(self.engine.as_ref(), "user.updated", &after).await;
        Ok(after.into())
    }

    #[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
    pub async fn update_profile(
        &self,
        caller: UserCaller,
        fields: ProfileFields,
    ) -> Result<UserBody, ApiError> {
        let changes = UserChanges::parse(fields.full_name, fields.username, fields.metadata, None)?;
        let (_, after) = changes.save(self, caller.user).await?;
        webhooks::user_event(self.engine.as_ref(), "user.updated", &after).await;
        Ok(after.into())
    }
}
