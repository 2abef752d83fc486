//! `POST /users/{id}/revoke`: the client revokes a user's live key now.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::{client_user, close_sessions};
use crate::{
    auth::{
        audit::{self, peer_ip},
        extract::MasterCaller,
    },
    domain::security_event::{SecurityEvent, SecurityEventKind},
    error::ApiError,
    http::state::AppState,
};

#[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
pub async fn revoke(
    req: HttpRequest,
    caller: MasterCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = client_user(&state, caller.client.id, &id).await?;
    let revoked_at = Utc::now();
    if state
        .engine
        .revoke_user_key(user.id, None, revoked_at)
        .await?
    {
        close_sessions(&state, user.id, None);
        let event =
            SecurityEvent::new(user.client_id, SecurityEventKind::KeyRevoked, peer_ip(&req))
                .user(user.id)
                .reason("revoked_by_client");
        audit::record(state.engine.as_ref(), event).await;
    }
    Ok(HttpResponse::NoContent().finish())
}
