//! `POST /users/login`: the user gets a fresh scoped key and the previous one is
//! revoked in the same step (always-rotate, as the guide describes); sockets opened
//! with the old key close.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    core::{
        actors::{cluster::Control, messages::CloseReason},
        auth::{keys::issue, MasterCaller},
        limits::Metered,
        views::UserBody,
        webhooks, ApiError, Core, ErrorCode,
    },
    domain::{
        keys::KeyOwner,
        security_event::{SecurityEvent, SecurityEventKind},
        user::Email,
        validation::Validator,
    },
    engine::{Rotation, RotationRecord},
};

/// The webhook event of a login, queued in the rotation's own step.
const LOGIN_EVENT: &str = "user.login";

/// The user and its fresh key, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedIn {
    user: UserBody,
    scoped_api_key: String,
    expires_at: Option<DateTime<Utc>>,
}

impl Core {
    #[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
    pub async fn login(
        &self,
        caller: &MasterCaller,
        email: &str,
    ) -> Result<Metered<LoggedIn>, ApiError> {
        let mut validator = Validator::default();
        let Some(email) = validator.check("email", Email::parse(email)) else {
            return Err(ApiError::validation(validator.into_errors()));
        };
        // Counted per email whether or not it is known, so the limit says nothing, and
        // taken in the lookup's own round trip.
        let check = self.limits().login(caller.client.id, &email.key());
        let (user, rate) = self
            .engine
            .find_user_by_email(caller.client.id, &email.key(), check.as_ref())
            .await?;
        let rate = self.admit(rate, &self.node.metrics.refused.logins)?;
        let user = user.ok_or(ErrorCode::UserNotFound)?;
        let now = Utc::now();
        let owner = KeyOwner::User {
            client: user.client_id,
            user: user.id,
        };
        let key = issue(owner, now, Some(self.scoped_key_ttl));
        let event = SecurityEvent::new(
            user.client_id,
            SecurityEventKind::UserLogin,
            caller.ip.clone(),
        )
        .user(user.id)
        .reason("key_rotated");
        let webhook = webhooks::user_event_body(LOGIN_EVENT, &user);
        let reason = CloseReason::KeyRevoked;
        let notice = Control::close_user(user.id, Some(key.record.digest), reason);
        let record = RotationRecord {
            event: &event,
            webhook: Some((LOGIN_EVENT, &webhook)),
            notice: &self.rotation_notice(notice)?,
        };
        match self.engine.rotate_key(&key.record, now, record).await? {
            Rotation::Rotated => {}
            Rotation::OwnerGone => return Err(ErrorCode::UserNotFound.into()),
            Rotation::OwnerDisabled => return Err(ErrorCode::AccountDisabled.into()),
        }
        self.close_sessions_here(user.id, key.record.digest).await;
        tracing::info!(user_id = %user.id, "user logged in");
        let body = LoggedIn {
            user: user.into(),
            scoped_api_key: key.secret.expose().to_owned(),
            expires_at: key.record.expires_at,
        };
        Ok(Metered { body, rate })
    }
}
