//! `GET /users/{id}`.

use actix_web::web;

use crate::{
    core::{auth::MasterCaller, error::ErrorBody, views::UserBody, ApiError, Core},
    domain::ids::UserId,
    http::openapi::{Faults, KeyRefusals},
};

/// A user of the client.
///
/// Master key. Never shows a key.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    operation_id = "read_user",
    tag = "users",
    security(("master_key" = [])),
    params(("id" = UserId, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = UserBody),
        (status = 404, description = "`USER_NOT_FOUND`", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn read(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<web::Json<UserBody>, ApiError> {
    Ok(web::Json(core.client_user(&caller, &id).await?.into()))
}
