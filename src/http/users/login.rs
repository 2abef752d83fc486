//! `POST /users/login`: issues the user a fresh scoped key and revokes the previous
//! one in the same step (always-rotate, as the guide describes).

use actix_web::{web, HttpRequest};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{close_sessions, UserBody};
use crate::{
    auth::{
        audit::{self, peer_ip},
        extract::MasterCaller,
        keys::issue,
    },
    domain::{
        keys::KeyOwner,
        security_event::{SecurityEvent, SecurityEventKind},
        user::Email,
        validation::Validator,
    },
    engine::Rotation,
    error::{ApiError, ErrorCode},
    http::{json::Json, state::AppState},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    email: String,
}

#[derive(Debug, Serialize)]
pub struct LoggedIn {
    user: UserBody,
    scoped_api_key: String,
    expires_at: Option<DateTime<Utc>>,
}

#[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
pub async fn login(
    req: HttpRequest,
    caller: MasterCaller,
    state: web::Data<AppState>,
    body: Json<Login>,
) -> Result<web::Json<LoggedIn>, ApiError> {
    let mut validator = Validator::default();
    let Some(email) = validator.check("email", Email::parse(&body.0.email)) else {
        return Err(ApiError::validation(validator.into_errors()));
    };
    let user = state
        .engine
        .find_user_by_email(caller.client.id, &email.key())
        .await?
        .ok_or(ErrorCode::UserNotFound)?;
    let now = Utc::now();
    let owner = KeyOwner::User {
        client: user.client_id,
        user: user.id,
    };
    let key = issue(owner, now, Some(state.scoped_key_ttl));
    match state.engine.rotate_key(&key.record, now).await? {
        Rotation::Rotated => {}
        Rotation::OwnerGone => return Err(ErrorCode::UserNotFound.into()),
        Rotation::OwnerDisabled => return Err(ErrorCode::AccountDisabled.into()),
    }
    close_sessions(&state, user.id, Some(key.record.digest));
    let event = SecurityEvent::new(user.client_id, SecurityEventKind::UserLogin, peer_ip(&req))
        .user(user.id)
        .reason("key_rotated");
    audit::record(state.engine.as_ref(), event).await;
    tracing::info!(user_id = %user.id, "user logged in");
    Ok(web::Json(LoggedIn {
        user: user.into(),
        scoped_api_key: key.secret.expose().to_owned(),
        expires_at: key.record.expires_at,
    }))
}
