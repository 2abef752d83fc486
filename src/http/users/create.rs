//! `POST /users`: creates a user of the calling client, with its first scoped key.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::UserBody;
use crate::{
    auth::{
        audit::{self, peer_ip},
        extract::MasterCaller,
        keys::issue,
    },
    domain::{
        ids::UserId,
        keys::KeyOwner,
        security_event::{SecurityEvent, SecurityEventKind},
        user::{parse_full_name, parse_metadata, Email, User, Username},
        validation::Validator,
    },
    error::ApiError,
    http::{json::Json, state::AppState},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    email: String,
    username: String,
    full_name: Option<String>,
    metadata: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
struct Created {
    #[serde(flatten)]
    user: UserBody,
    scoped_api_key: String,
    expires_at: Option<DateTime<Utc>>,
}

#[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
pub async fn create(
    req: HttpRequest,
    caller: MasterCaller,
    state: web::Data<AppState>,
    body: Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let Json(body) = body;
    let mut validator = Validator::default();
    let email = validator.check("email", Email::parse(&body.email));
    let username = validator.check("username", Username::parse(&body.username));
    let full_name = validator.check_opt("full_name", body.full_name, parse_full_name);
    let metadata = validator.check_opt("metadata", body.metadata, parse_metadata);
    let (Some(email), Some(username), Some(full_name), Some(metadata)) =
        (email, username, full_name, metadata)
    else {
        return Err(ApiError::validation(validator.into_errors()));
    };

    let now = Utc::now();
    let user = User {
        id: UserId::random(),
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
    let key = issue(owner, now, Some(state.scoped_key_ttl));
    state.engine.create_user(&user, &key.record).await?;
    let event = SecurityEvent::new(
        user.client_id,
        SecurityEventKind::UserCreated,
        peer_ip(&req),
    )
    .user(user.id);
    audit::record(state.engine.as_ref(), event).await;
    tracing::info!(user_id = %user.id, "user created");
    Ok(HttpResponse::Created().json(Created {
        user: user.into(),
        scoped_api_key: key.secret.expose().to_owned(),
        expires_at: key.record.expires_at,
    }))
}
