//! `POST /users/{id}/revoke`: 204.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::MasterCaller, error::ErrorBody, ApiError, Core},
    domain::ids::UserId,
    http::openapi::{Faults, KeyRefusals},
};

/// Revoke a user's key now.
///
/// Master key. Its sockets close with 4003; the user logs in again for a new key.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/revoke",
    operation_id = "revoke_user_key",
    tag = "users",
    security(("master_key" = [])),
    params(("id" = UserId, Path, description = "The user's id")),
    responses(
        (status = 204, description = "The key is revoked"),
        (status = 404, description = "`USER_NOT_FOUND`", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn revoke(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    core.revoke_user(&caller, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
