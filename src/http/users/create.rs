//! `POST /users`: 201 with the user and its first scoped key.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::MasterCaller, users::UserFields, ApiError, Core},
    http::{answer::created, json::Json},
};

pub async fn create(
    caller: MasterCaller,
    core: web::Data<Core>,
    body: Json<UserFields>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(core.create_user(&caller, body.0).await?))
}
