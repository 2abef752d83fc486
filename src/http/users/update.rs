//! `PATCH /users/{id}`: the client edits a user; `is_active: false` deactivates it,
//! which revokes its key in the same write.

use actix_web::{web, HttpRequest};
use serde::Deserialize;

use super::{client_user, close_sessions, UserBody, UserChanges};
use crate::{
    auth::{
        audit::{self, peer_ip},
        extract::MasterCaller,
    },
    domain::security_event::{SecurityEvent, SecurityEventKind},
    error::ApiError,
    http::{json::Json, state::AppState},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    full_name: Option<String>,
    username: Option<String>,
    metadata: Option<serde_json::Value>,
    is_active: Option<bool>,
}

#[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
pub async fn update(
    req: HttpRequest,
    caller: MasterCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<UpdateUser>,
) -> Result<web::Json<UserBody>, ApiError> {
    let Json(body) = body;
    let changes = UserChanges::parse(body.full_name, body.username, body.metadata, body.is_active)?;
    let user = client_user(&state, caller.client.id, &id).await?;
    let (before, after) = changes.save(&state, user).await?;
    if before.is_active && !after.is_active {
        close_sessions(&state, after.id, None);
        let event = SecurityEvent::new(
            after.client_id,
            SecurityEventKind::KeyRevoked,
            peer_ip(&req),
        )
        .user(after.id)
        .reason("user_deactivated");
        audit::record(state.engine.as_ref(), event).await;
    }
    Ok(web::Json(after.into()))
}
