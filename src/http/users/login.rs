//! `POST /users/login {email}`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::{
    core::{auth::MasterCaller, ApiError, Core},
    http::{
        answer::{metered, ok},
        json::Json,
    },
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
) -> Result<HttpResponse, ApiError> {
    Ok(metered(core.login(&caller, &body.0.email).await?, ok))
}
