//! `DELETE /users/{id}`: 204.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::MasterCaller, error::ErrorBody, ApiError, Core},
    domain::ids::UserId,
    http::openapi::{Faults, KeyRefusals},
};

/// Delete a user.
///
/// Master key. Revokes its key and removes its memberships; its messages stay, with
/// the sender shown as a deleted user.
#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}",
    operation_id = "delete_user",
    tag = "users",
    security(("master_key" = [])),
    params(("id" = UserId, Path, description = "The user's id")),
    responses(
        (status = 204, description = "The user is gone"),
        (status = 404, description = "`USER_NOT_FOUND`", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn delete(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    core.delete_user(&caller, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
