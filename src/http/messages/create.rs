//! `POST /messages`: a member sends to a room; the master key sends `system` messages.
//! 201 with the stored message, or 200 with the original for a repeated
//! `client_msg_id`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::{
    actors::room::{NewMessage, RoomCommand},
    auth::extract::Caller,
    domain::ids::MessageId,
    error::ApiError,
    http::{
        json::Json,
        rooms::{execute, respond, room_id},
        state::AppState,
    },
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    room_id: String,
    content: String,
    message_type: Option<String>,
    metadata: Option<serde_json::Value>,
    reply_to: Option<MessageId>,
    client_msg_id: Option<String>,
}

pub async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: Json<SendMessage>,
) -> Result<HttpResponse, ApiError> {
    let Json(body) = body;
    let room = room_id(&body.room_id)?;
    let new = NewMessage::parse(
        body.content,
        body.message_type,
        body.metadata,
        body.reply_to,
        body.client_msg_id,
    )?;
    Ok(respond(
        execute(&state, room, caller, RoomCommand::Send(new)).await?,
    ))
}
