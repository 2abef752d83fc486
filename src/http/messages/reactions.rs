//! `POST /messages/{id}/reactions {emoji}` (200 with the message) and
//! `DELETE /messages/{id}/reactions/{emoji}` (204).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::{
    core::{
        auth::{Caller, UserCaller},
        messages::{AddReaction, RemoveReaction},
        ApiError, Core,
    },
    http::{
        answer::{done, message_id, ok},
        json::Json,
    },
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct React {
    emoji: String,
}

pub async fn add(
    caller: UserCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
    body: Json<React>,
) -> Result<HttpResponse, ApiError> {
    let command = AddReaction::parse(message_id(&id)?, body.0.emoji)?;
    Ok(ok(core.run(Caller::User(caller), command).await?))
}

pub async fn remove(
    caller: UserCaller,
    core: web::Data<Core>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, emoji) = path.into_inner();
    let command = RemoveReaction::parse(message_id(&id)?, emoji)?;
    Ok(done(core.run(Caller::User(caller), command).await?))
}
