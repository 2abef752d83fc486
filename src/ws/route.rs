//! The upgrade: `GET /api/v1/ws`, once the HTTP edge has read the request (a server
//! client's `Authorization` header, checked before the upgrade, and the caller's
//! address). A browser authenticates with its first frame instead. Keys in the URL
//! are never read.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use actix_web_actors::ws::{self, HandshakeError};

use super::{protocol::MAX_FRAME_BYTES, session::WsSession};
use crate::{
    core::{auth::UserCaller, ApiError, Core},
    domain::validation::FieldError,
};

/// Checks that `req` is a WebSocket handshake, before anything (authentication, a
/// connect from the user's budget) is spent on it. A request that is not one is 422
/// naming the header at fault, in the documented body, not actix's plain-text 400.
pub fn check_handshake(req: &HttpRequest) -> Result<(), ApiError> {
    ws::handshake(req).map(drop).map_err(refusal)
}

/// Starts the session actor on the upgraded connection; `user` is set when the
/// request authenticated in its header.
pub fn start(
    core: Arc<Core>,
    ip: Option<String>,
    user: Option<UserCaller>,
    req: &HttpRequest,
    stream: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let session = WsSession::new(core, ip, user);
    ws::WsResponseBuilder::new(session, req, stream)
        .frame_size(MAX_FRAME_BYTES)
        .start()
        .map_err(|err| match err.as_error::<HandshakeError>() {
            Some(&handshake) => refusal(handshake),
            None => ApiError::internal(anyhow::anyhow!("WebSocket start failed: {err}")),
        })
}

fn refusal(err: HandshakeError) -> ApiError {
    let (field, message) = match err {
        // Only `GET` is routed here; any other method is the route table's 404.
        HandshakeError::GetMethodRequired => ("method", "must be GET"),
        HandshakeError::NoWebsocketUpgrade => ("upgrade", "must be websocket"),
        HandshakeError::NoConnectionUpgrade => ("connection", "must include upgrade"),
        HandshakeError::NoVersionHeader => ("sec-websocket-version", "is required"),
        HandshakeError::UnsupportedVersion => ("sec-websocket-version", "must be 13"),
        HandshakeError::BadWebsocketKey => ("sec-websocket-key", "must be 16 bytes in base64"),
    };
    ApiError::validation(vec![FieldError::new(field, message)])
}
