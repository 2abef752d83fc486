//! `DELETE /users/{id}`: deletes a user and revokes its key.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::{client_user, close_sessions};
use crate::{
    auth::{
        audit::{self, peer_ip},
        extract::MasterCaller,
    },
    domain::security_event::{SecurityEvent, SecurityEventKind},
    error::{ApiError, ErrorCode},
    http::state::AppState,
};

#[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
pub async fn delete(
    req: HttpRequest,
    caller: MasterCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = client_user(&state, caller.client.id, &id).await?;
    if !state.engine.delete_user(&user, Utc::now()).await? {
        return Err(ErrorCode::UserNotFound.into());
    }
    close_sessions(&state, user.id, None);
    let event = SecurityEvent::new(user.client_id, SecurityEventKind::KeyRevoked, peer_ip(&req))
        .user(user.id)
        .reason("user_deleted");
    audit::record(state.engine.as_ref(), event).await;
    Ok(HttpResponse::NoContent().finish())
}
