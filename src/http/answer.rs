//! How the core's answers become HTTP answers, and how ids written in paths become
//! the core's ids: shared by every handler so each shows them the same way.

use actix_web::{
    http::header::{HeaderMap, HeaderName, HeaderValue},
    HttpResponse,
};
use serde::Serialize;

use crate::{
    core::{
        limits::Metered,
        views::{Done, Made},
        ApiError, ErrorCode,
    },
    domain::{
        ids::{MessageId, RoomId},
        rate::RateStatus,
    },
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

/// The answer `respond` makes of a limited action's body, with its bucket's
/// `X-RateLimit-*` headers.
pub fn metered<T>(metered: Metered<T>, respond: impl FnOnce(T) -> HttpResponse) -> HttpResponse {
    let mut response = respond(metered.body);
    if let Some(status) = metered.rate {
        rate_headers(response.headers_mut(), status);
    }
    response
}

/// `X-RateLimit-Limit` (the bucket's size), `-Remaining` (what is left) and `-Reset`
/// (seconds until it is full again), on every answer of a limited route.
pub fn rate_headers(headers: &mut HeaderMap, status: RateStatus) {
    let values = [
        ("x-ratelimit-limit", u64::from(status.limit)),
        ("x-ratelimit-remaining", u64::from(status.remaining)),
        ("x-ratelimit-reset", status.reset_secs()),
    ];
    for (name, value) in values {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
}
