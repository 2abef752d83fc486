//! `POST /users/login {email}`.

use actix_web::web;
use serde::Deserialize;

use crate::{
    core::{auth::MasterCaller, users::LoggedIn, ApiError, Core},
    http::json::Json,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    email: String,
}

pub async fn login(
    caller: MasterCaller,
    core: web::Data<Core>,
    body: Json<Login>,
) -> Result<web::Json<LoggedIn>, ApiError> {
    Ok(web::Json(core.login(&caller, &body.0.email).await?))
}
