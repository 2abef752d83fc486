//! `GET /users/me`: the calling user.

use actix_web::web;

use crate::core::{auth::UserCaller, views::UserBody};

pub async fn me(caller: UserCaller) -> web::Json<UserBody> {
    web::Json(caller.user.into())
}
