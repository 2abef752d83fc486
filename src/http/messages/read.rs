//! `GET /messages/{id}`.

use actix_web::{web, HttpResponse};

use crate::{
    core::{
        auth::Caller, error::ErrorBody, messages::ReadMessage, views::MessageBody, ApiError, Core,
    },
    domain::ids::MessageId,
    http::{
        answer::{message_id, ok},
        openapi::{Faults, KeyRefusals},
    },
};

/// A message.
///
/// Master key, or the scoped key of a member of its room.
#[utoipa::path(
    get,
    path = "/api/v1/messages/{id}",
    operation_id = "read_message",
    tag = "messages",
    security(("master_key" = []), ("scoped_key" = [])),
    params(("id" = MessageId, Path, description = "The message's id")),
    responses(
        (status = 200, description = "The message", body = MessageBody),
        (status = 404, description = "`MESSAGE_NOT_FOUND`: no such message, or not one this caller may see", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn read(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let command = ReadMessage {
        id: message_id(&id)?,
    };
    Ok(ok(core.run(caller, command).await?))
}
