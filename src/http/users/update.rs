//! `PATCH /users/{id}`.

use actix_web::web;

use crate::{
    core::{auth::MasterCaller, users::UserChangeFields, views::UserBody, ApiError, Core},
    http::json::Json,
};

pub async fn update(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
    body: Json<UserChangeFields>,
) -> Result<web::Json<UserBody>, ApiError> {
    Ok(web::Json(core.update_user(&caller, &id, body.0).await?))
}
