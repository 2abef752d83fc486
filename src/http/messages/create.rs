//! `POST /messages`: 201 with the stored message, or 200 with the original for a
//! repeated `client_msg_id`.

use actix_web::{web, HttpResponse};

use crate::{
    core::{
        auth::Caller,
        error::ErrorBody,
        messages::{MessageFields, SendMessage},
        views::MessageBody,
        ApiError, Core,
    },
    http::{
        answer::{made, metered, room_id},
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

/// Send a message.
///
/// Scoped key of a member (in a `channel`, of its owner or an admin); the master key
/// sends `system` messages. A repeated `client_msg_id` from the same sender within 24 h
/// answers the original with 200. Limited per sender (`CHATAPI_RATE_MESSAGES_*`).
#[utoipa::path(
    post,
    path = "/api/v1/messages",
    operation_id = "send_message",
    tag = "messages",
    security(("master_key" = []), ("scoped_key" = [])),
    request_body = MessageFields,
    responses(
        (status = 201, description = "The stored message", body = MessageBody, headers(
            ("X-RateLimit-Limit" = u32, description = "The sender's bucket size"),
            ("X-RateLimit-Remaining" = u32, description = "Messages left in the bucket"),
            ("X-RateLimit-Reset" = u64, description = "Seconds until the bucket is full"),
        )),
        (status = 200, description = "The original message, for a repeated `client_msg_id`",
            body = MessageBody),
        (status = 404, description = "`ROOM_NOT_FOUND`, or `MESSAGE_NOT_FOUND` for `reply_to`",
            body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn create(
    caller: Caller,
    core: web::Data<Core>,
    body: Json<MessageFields<String>>,
) -> Result<HttpResponse, ApiError> {
    let Json(fields) = body;
    let room = room_id(&fields.room_id)?;
    let command = SendMessage::parse(fields.with_room(room))?;
    let sent = core.run(caller, command).await?;
    if sent.body.is_new() {
        core.node.metrics.messages_rest.inc();
    }
    Ok(metered(sent, made))
}
