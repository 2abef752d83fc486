//! Cross-origin access for browsers (`CHATAPI_CORS_ORIGINS`, API.md §8).
//!
//! Only the listed origins get CORS headers; by default none does. A request from an
//! unlisted origin is still served (the browser then withholds the answer from the
//! page), because every same-origin `POST` and every WebSocket upgrade carries an
//! `Origin` too, and the node does not know under which public origin it is reached.
//! Keys travel in `Authorization`, never in cookies, so a foreign page gains nothing by
//! sending a request whose answer it cannot read.

use actix_cors::Cors;
use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{
        header::{self, HeaderName},
        Method, StatusCode,
    },
    middleware::Next,
    ResponseError,
};

use crate::core::{ApiError, ErrorCode};

/// The response headers a page may read: the rate-limit ones, so a client can back off,
/// and the request id, so it can quote it.
const EXPOSED: [&str; 5] = [
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    super::request_id::HEADER,
];

/// A browser may cache a preflight answer this long (seconds), sparing a round trip
/// before each call.
const PREFLIGHT_MAX_AGE: usize = 3600;

/// The CORS layer for `origins`, which `config` has already checked (actix-cors
/// panics on a malformed one).
pub fn layer(origins: &[String]) -> Cors {
    let cors = origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin));
    cors.allowed_methods([
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ])
    .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
    .expose_headers(EXPOSED.map(HeaderName::from_static))
    .max_age(PREFLIGHT_MAX_AGE)
}

/// actix-cors refuses a preflight (an unlisted origin, method or header) with a
/// plain-text 400; this gives that refusal the documented body, as 403
/// `INSUFFICIENT_PERMISSIONS`: the caller is known to be not allowed, not malformed.
/// Mounted outside [`layer`].
pub async fn documented_refusals(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let response = next.call(req).await?;
    if !(preflight && response.status() == StatusCode::BAD_REQUEST) {
        return Ok(response.map_into_left_body());
    }
    let refusal = ApiError::with_detail(
        ErrorCode::InsufficientPermissions,
        "Cross-origin request refused: this origin, method or header is not allowed",
    );
    let (request, _) = response.into_parts();
    let mut answer = refusal.error_response();
    // Caches must not serve this refusal to a listed origin, nor the reverse.
    answer
        .headers_mut()
        .insert(header::VARY, header::HeaderValue::from_static("Origin"));
    Ok(ServiceResponse::new(request, answer).map_into_right_body())
}
