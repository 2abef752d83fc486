//! `POST /rooms/direct {user_id}`: 201 the first time, 200 with the same room after.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::{
    core::{auth::UserCaller, ApiError, Core},
    domain::ids::UserId,
    http::{answer::made, json::Json},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Direct {
    user_id: UserId,
}

pub async fn direct(
    caller: UserCaller,
    core: web::Data<Core>,
    body: Json<Direct>,
) -> Result<HttpResponse, ApiError> {
    Ok(made(core.direct_room(caller, body.0.user_id).await?))
}
