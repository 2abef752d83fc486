//! `POST /users/logout`: revokes the key the request was made with.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::close_sessions;
use crate::{
    auth::{
        audit::{self, peer_ip},
        extract::UserCaller,
    },
    domain::security_event::{SecurityEvent, SecurityEventKind},
    error::ApiError,
    http::state::AppState,
};

#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn logout(
    req: HttpRequest,
    caller: UserCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let revoked_at = Utc::now();
    let user = caller.user.id;
    if state
        .engine
        .revoke_user_key(user, Some(&caller.key), revoked_at)
        .await?
    {
        close_sessions(&state, user, None);
        let event = SecurityEvent::new(
            caller.client.id,
            SecurityEventKind::KeyRevoked,
            peer_ip(&req),
        )
        .user(user)
        .reason("logout");
        audit::record(state.engine.as_ref(), event).await;
    }
    Ok(HttpResponse::NoContent().finish())
}
