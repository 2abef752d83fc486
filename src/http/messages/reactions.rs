//! `POST /messages/{id}/reactions {emoji}` (200 with the message) and
//! `DELETE /messages/{id}/reactions/{emoji}` (204).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    core::{
        auth::{Caller, UserCaller},
        error::ErrorBody,
        messages::{AddReaction, RemoveReaction},
        views::MessageBody,
        ApiError, Core,
    },
    domain::ids::MessageId,
    http::{
        answer::{done, message_id, ok},
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals, ValidationRefusals},
    },
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct React {
    /// 1 to 32 bytes, no spaces.
    #[schema(min_length = 1, max_length = 32)]
    emoji: String,
}

/// React to a message.
///
/// Scoped key of a member. A message holds at most 50 distinct emoji (422 on `emoji`).
#[utoipa::path(
    post,
    path = "/api/v1/messages/{id}/reactions",
    operation_id = "add_reaction",
    tag = "messages",
    security(("scoped_key" = [])),
    params(("id" = MessageId, Path, description = "The message's id")),
    request_body = React,
    responses(
        (status = 200, description = "The message with its reactions", body = MessageBody),
        (status = 404, description = "`MESSAGE_NOT_FOUND`: no such message, or not one this caller may see", body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn add(
    caller: UserCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
    body: Json<React>,
) -> Result<HttpResponse, ApiError> {
    let command = AddReaction::parse(message_id(&id)?, body.0.emoji)?;
    Ok(ok(core.run(Caller::User(caller), command).await?))
}

/// Take back one's reaction.
///
/// Scoped key of a member.
#[utoipa::path(
    delete,
    path = "/api/v1/messages/{id}/reactions/{emoji}",
    operation_id = "remove_reaction",
    tag = "messages",
    security(("scoped_key" = [])),
    params(
        ("id" = MessageId, Path, description = "The message's id"),
        ("emoji" = String, Path, description = "The emoji, percent-encoded"),
    ),
    responses(
        (status = 204, description = "The reaction is gone"),
        (status = 404, description = "`MESSAGE_NOT_FOUND`: no such message, or not one this caller may see", body = ErrorBody),
        KeyRefusals,
        ValidationRefusals,
        Faults,
    )
)]
pub async fn remove(
    caller: UserCaller,
    core: web::Data<Core>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, emoji) = path.into_inner();
    let command = RemoveReaction::parse(message_id(&id)?, emoji)?;
    Ok(done(core.run(Caller::User(caller), command).await?))
}
