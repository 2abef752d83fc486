//! `POST /users`: a user of the calling client, with its first scoped key.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    core::{
        analytics,
        auth::{audit, keys::issue, MasterCaller},
        views::UserBody,
        webhooks, ApiError, Core,
    },
    domain::analytics::Counter,
    domain::{
        ids::UserId,
        keys::KeyOwner,
        security_event::{SecurityEvent, SecurityEventKind},
        user::{parse_full_name, parse_metadata, Email, User, Username},
        validation::Validator,
    },
};

/// The fields of `POST /users`, as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserFields {
    #[schema(format = Email)]
    email: String,
    #[schema(pattern = "^[A-Za-z0-9_.-]{3,32}$")]
    username: String,
    #[schema(max_length = 100)]
    full_name: Option<String>,
    /// A JSON object of at most 4 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
}

/// The new user and its key, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    #[serde(flatten)]
    user: UserBody,
    scoped_api_key: String,
    expires_at: Option<DateTime<Utc>>,
}

impl Core {
    #[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
    pub async fn create_user(
        &self,
        caller: &MasterCaller,
        fields: UserFields,
    ) -> Result<CreatedUser, ApiError> {
        let mut validator = Validator::default();
        let email = validator.check("email", Email::parse(&fields.email));
        let username = validator.check("username", Username::parse(&fields.username));
        let full_name = validator.check_opt("full_name", fields.full_name, parse_full_name);
        let metadata = validator.check_opt("metadata", fields.metadata, parse_metadata);
        let (Some(email), Some(username), Some(full_name), Some(metadata)) =
            (email, username, full_name, metadata)
        else {
            return Err(ApiError::validation(validator.into_errors()));
        };
        let now = Utc::now();
        let user = User {
            id: UserId::random_in(caller.client.id.shard()),
            client_id: caller.client.id,
            email,
            username,
            full_name,
            metadata: metadata.unwrap_or_default(),
            is_active: true,
            created_at: now,
            updated_at: now,
        };
        let owner = KeyOwner::User {
            client: user.client_id,
            user: user.id,
        };
        let key = issue(owner, now, Some(self.scoped_key_ttl));
        self.engine.create_user(&user, &key.record).await?;
        analytics::count(self.engine.as_ref(), user.client_id, Counter::UserCreated).await;
        webhooks::user_event(self.engine.as_ref(), "user.created", &user).await;
        let event = SecurityEvent::new(
            user.client_id,
            SecurityEventKind::UserCreated,
            caller.ip.clone(),
        )
        .user(user.id);
        audit::record(self.engine.as_ref(), event).await;
        tracing::info!(user_id = %user.id, "user created");
        Ok(CreatedUser {
            user: user.into(),
            scoped_api_key: key.secret.expose().to_owned(),
            expires_at: key.record.expires_at,
        })
    }
}
