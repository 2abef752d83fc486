//! `GET /users/me`: the calling user.

use actix_web::web;

use super::UserBody;
use crate::auth::extract::UserCaller;

pub async fn me(caller: UserCaller) -> web::Json<UserBody> {
    web::Json(caller.user.into())
}
