//! `PATCH /messages/{id} {content}`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    core::{
        auth::Caller, error::ErrorBody, messages::EditMessage, views::MessageBody, ApiError, Core,
    },
    domain::ids::MessageId,
    http::{
        answer::{message_id, ok},
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    #[schema(min_length = 1, max_length = 10_000)]
    content: String,
}

/// Edit a message.
///
/// Scoped key of its sender. Sets `edited_at`; members are told (`message.updated`).
#[utoipa::path(
    patch,
    path = "/api/v1/messages/{id}",
    operation_id = "edit_message",
    tag = "messages",
    security(("master_key" = []), ("scoped_key" = [])),
    params(("id" = MessageId, Path, description = "The message's id")),
    request_body = Edit,
    responses(
        (status = 200, description = "The edited message", body = MessageBody),
        (status = 404, description = "`MESSAGE_NOT_FOUND`: no such message, or not one this caller may see", body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn update(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
    body: Json<Edit>,
) -> Result<HttpResponse, ApiError> {
    let command = EditMessage::parse(message_id(&id)?, body.0.content)?;
    Ok(ok(core.run(caller, command).await?))
}
