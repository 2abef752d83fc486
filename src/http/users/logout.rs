//! `POST /users/logout`: 204.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::UserCaller, ApiError, Core},
    http::openapi::{Faults, KeyRefusals},
};

/// Log out: revoke the calling key.
///
/// Scoped key. Its sockets close with 4003.
#[utoipa::path(
    post,
    path = "/api/v1/users/logout",
    operation_id = "logout_user",
    tag = "users",
    security(("scoped_key" = [])),
    responses(
        (status = 204, description = "The key is revoked"),
        KeyRefusals,
        Faults,
    )
)]
pub async fn logout(caller: UserCaller, core: web::Data<Core>) -> Result<HttpResponse, ApiError> {
    core.logout(&caller).await?;
    Ok(HttpResponse::NoContent().finish())
}
