//! `POST /clients/me/rotate-key`: issues a new master key; the old one stops working
//! in the same step.

use actix_web::{web, HttpRequest};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{
    auth::{
        audit::{self, peer_ip},
        extract::MasterCaller,
        keys::issue,
    },
    domain::{
        keys::KeyOwner,
        security_event::{SecurityEvent, SecurityEventKind},
    },
    engine::Rotation,
    error::{ApiError, ErrorCode},
    http::state::AppState,
};

#[derive(Debug, Serialize)]
pub struct Rotated {
    master_api_key: String,
    rotated_at: DateTime<Utc>,
}

#[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
pub async fn rotate_key(
    req: HttpRequest,
    caller: MasterCaller,
    state: web::Data<AppState>,
) -> Result<web::Json<Rotated>, ApiError> {
    let now = Utc::now();
    let key = issue(KeyOwner::Client(caller.client.id), now, None);
    match state.engine.rotate_key(&key.record, now).await? {
        Rotation::Rotated => {}
        Rotation::OwnerGone => return Err(ErrorCode::InvalidCredentials.into()),
        Rotation::OwnerDisabled => return Err(ErrorCode::AccountDisabled.into()),
    }
    let event = SecurityEvent::new(
        caller.client.id,
        SecurityEventKind::MasterKeyRotated,
        peer_ip(&req),
    );
    audit::record(state.engine.as_ref(), event).await;
    Ok(web::Json(Rotated {
        master_api_key: key.secret.expose().to_owned(),
        rotated_at: now,
    }))
}
