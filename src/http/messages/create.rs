//! `POST /messages`: 201 with the stored message, or 200 with the original for a
//! repeated `client_msg_id`.

use actix_web::{web, HttpResponse};

use crate::{
    core::{
        auth::Caller,
        messages::{MessageFields, SendMessage},
        ApiError, Core,
    },
    http::{
        answer::{made, metered, room_id},
        json::Json,
    },
};

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
