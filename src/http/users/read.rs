//! `GET /users/{id}`.

use actix_web::web;

use crate::core::{auth::MasterCaller, views::UserBody, ApiError, Core};

pub async fn read(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<web::Json<UserBody>, ApiError> {
    Ok(web::Json(core.client_user(&caller, &id).await?.into()))
}
