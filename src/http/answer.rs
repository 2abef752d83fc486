//! How the core's answers become HTTP answers, and how ids written in paths become
//! the core's ids: shared by every handler so each shows them the same way.

use actix_web::HttpResponse;
use serde::Serialize;

use crate::{
    core::{
        views::{Done, Made},
        ApiError, ErrorCode,
    },
    domain::ids::{MessageId, RoomId},
};

/// A room id from a path or body; an unparsable one is an unknown room.
pub fn room_id(text: &str) -> Result<RoomId, ApiError> {
    RoomId::parse(text).ok_or_else(|| ErrorCode::RoomNotFound.into())
}

/// A message id from a path; an unparsable one is an unknown message.
pub fn message_id(text: &str) -> Result<MessageId, ApiError> {
    MessageId::parse(text).ok_or_else(|| ErrorCode::MessageNotFound.into())
}

/// 200 with the body.
pub fn ok(body: impl Serialize) -> HttpResponse {
    HttpResponse::Ok().json(body)
}

/// 201 with the body.
pub fn created(body: impl Serialize) -> HttpResponse {
    HttpResponse::Created().json(body)
}

/// 204: nothing to show.
pub fn done(_: Done) -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// 201 for something made now, 200 for something that was there already.
pub fn made(made: Made<impl Serialize>) -> HttpResponse {
    match made {
        Made::New(body) => created(body),
        Made::Existing(body) => ok(body),
    }
}
