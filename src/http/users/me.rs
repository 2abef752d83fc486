//! `GET /users/me`: the calling user.

use actix_web::web;

use crate::{
    core::{auth::UserCaller, views::UserBody},
    http::openapi::{Faults, KeyRefusals},
};

/// The calling user.
///
/// Scoped key.
#[utoipa::path(
    get,
    path = "/api/v1/users/me",
    operation_id = "read_own_user",
    tag = "users",
    security(("scoped_key" = [])),
    responses(
        (status = 200, description = "The user", body = UserBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn me(caller: UserCaller) -> web::Json<UserBody> {
    web::Json(caller.user.into())
}
