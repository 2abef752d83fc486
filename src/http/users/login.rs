//! `POST /users/login {email}`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    core::{auth::MasterCaller, error::ErrorBody, users::LoggedIn, ApiError, Core},
    http::{
        answer::{metered, ok},
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    #[schema(format = Email)]
    email: String,
}

/// Log a user in: a fresh scoped key.
///
/// Master key. The user's previous key is revoked at once, and its sockets close with
/// 4003. Limited per email (`CHATAPI_RATE_LOGINS_PER_MIN`).
#[utoipa::path(
    post,
    path = "/api/v1/users/login",
    operation_id = "login_user",
    tag = "users",
    security(("master_key" = [])),
    request_body = Login,
    responses(
        (status = 200, description = "The user and its new key", body = LoggedIn, headers(
            ("X-RateLimit-Limit" = u32, description = "The login bucket's size"),
            ("X-RateLimit-Remaining" = u32, description = "Logins left in the bucket"),
            ("X-RateLimit-Reset" = u64, description = "Seconds until the bucket is full"),
        )),
        (status = 404, description = "`USER_NOT_FOUND`: no user of this client has this email",
            body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn login(
    caller: MasterCaller,
    core: web::Data<Core>,
    body: Json<Login>,
) -> Result<HttpResponse, ApiError> {
    Ok(metered(core.login(&caller, &body.0.email).await?, ok))
}
