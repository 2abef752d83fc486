//! `PATCH /users/{id}`.

use actix_web::web;

use crate::{
    core::{
        auth::MasterCaller, error::ErrorBody, users::UserChangeFields, views::UserBody, ApiError,
        Core,
    },
    domain::ids::UserId,
    http::{
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

/// Edit a user.
///
/// Master key. Absent fields stay as they are; `is_active: false` deactivates the user,
/// revoking its key and closing its sockets.
#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    operation_id = "update_user",
    tag = "users",
    security(("master_key" = [])),
    params(("id" = UserId, Path, description = "The user's id")),
    request_body = UserChangeFields,
    responses(
        (status = 200, description = "The user as it now is", body = UserBody),
        (status = 404, description = "`USER_NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`USERNAME_TAKEN`", body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn update(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
    body: Json<UserChangeFields>,
) -> Result<web::Json<UserBody>, ApiError> {
    Ok(web::Json(core.update_user(&caller, &id, body.0).await?))
}
