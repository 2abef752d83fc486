//! `POST /users`: 201 with the user and its first scoped key.

use actix_web::{web, HttpResponse};

use crate::{
    core::{
        auth::MasterCaller,
        error::ErrorBody,
        users::{CreatedUser, UserFields},
        ApiError, Core,
    },
    http::{
        answer::created,
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

/// Create a user.
///
/// Master key. The answer carries the user's first scoped key, shown this once.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    operation_id = "create_user",
    tag = "users",
    security(("master_key" = [])),
    request_body = UserFields,
    responses(
        (status = 201, description = "The user and its scoped key", body = CreatedUser),
        (status = 409, description = "`EMAIL_TAKEN` or `USERNAME_TAKEN` (case-insensitive)",
            body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn create(
    caller: MasterCaller,
    core: web::Data<Core>,
    body: Json<UserFields>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(core.create_user(&caller, body.0).await?))
}
