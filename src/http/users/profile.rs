//! `PUT /users/profile`.

use actix_web::web;

use crate::{
    core::{auth::UserCaller, users::ProfileFields, views::UserBody, ApiError, Core},
    http::json::Json,
};

pub async fn profile(
    caller: UserCaller,
    core: web::Data<Core>,
    body: Json<ProfileFields>,
) -> Result<web::Json<UserBody>, ApiError> {
    Ok(web::Json(core.update_profile(caller, body.0).await?))
}
