//! `PUT /users/profile`.

use actix_web::web;

use crate::{
    core::{
        auth::UserCaller, error::ErrorBody, users::ProfileFields, views::UserBody, ApiError, Core,
    },
    http::{
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

/// Edit one's own profile.
///
/// Scoped key. Absent fields stay as they are.
#[utoipa::path(
    put,
    path = "/api/v1/users/profile",
    operation_id = "update_own_profile",
    tag = "users",
    security(("scoped_key" = [])),
    request_body = ProfileFields,
    responses(
        (status = 200, description = "The user as it now is", body = UserBody),
        (status = 409, description = "`USERNAME_TAKEN`", body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn profile(
    caller: UserCaller,
    core: web::Data<Core>,
    body: Json<ProfileFields>,
) -> Result<web::Json<UserBody>, ApiError> {
    Ok(web::Json(core.update_profile(caller, body.0).await?))
}
