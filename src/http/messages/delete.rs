//! `DELETE /messages/{id}`: 204.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::Caller, error::ErrorBody, messages::DeleteMessage, ApiError, Core},
    domain::ids::MessageId,
    http::{
        answer::{done, message_id},
        openapi::{Faults, KeyRefusals},
    },
};

/// Delete a message (soft).
///
/// Scoped key of its sender or of the room's owner or an admin, or the master key. The
/// content is emptied and `deleted_at` set; members are told (`message.deleted`).
#[utoipa::path(
    delete,
    path = "/api/v1/messages/{id}",
    operation_id = "delete_message",
    tag = "messages",
    security(("master_key" = []), ("scoped_key" = [])),
    params(("id" = MessageId, Path, description = "The message's id")),
    responses(
        (status = 204, description = "The message is deleted"),
        (status = 404, description = "`MESSAGE_NOT_FOUND`: no such message, or not one this caller may see", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn delete(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let command = DeleteMessage {
        id: message_id(&id)?,
    };
    Ok(done(core.run(caller, command).await?))
}
