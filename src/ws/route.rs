//! The upgrade: `GET /api/v1/ws`, once the HTTP edge has read the request (a server
//! client's `Authorization` header, checked before the upgrade, and the caller's
//! address). A browser authenticates with its first frame instead. Keys in the URL
//! are never read.
//!
//! The route answers `101` with an [`Accepted`] in the response's extensions; the
//! server's upgrade service (`http::server`) writes that answer and hands the socket to
//! [`Accepted::run`].

use std::sync::Arc;

use actix::{Actor, AsyncContext};
use actix_http::{
    header::{HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY},
    ws::{hash_key, verify_handshake, HandshakeError},
};
use actix_web::{HttpRequest, HttpResponse};
use bytes::BytesMut;
use tokio::net::TcpStream;

use super::{
    protocol::MAX_FRAME_BYTES,
    session::WsSession,
    wire::{Inbound, Outbound, Writer},
};
use crate::{
    core::{auth::UserCaller, sockets::SocketSlot, ApiError, Core, ErrorCode},
    domain::validation::FieldError,
};

/// Checks that `req` is a WebSocket handshake, before anything (authentication, a
/// connect from the user's budget) is spent on it. A request that is not one is 422
/// naming the header at fault, in the documented body, not actix's plain-text 400.
pub fn check_handshake(req: &HttpRequest) -> Result<(), ApiError> {
    verify_handshake(req.head()).map_err(refusal)
}

/// A handshake the route accepted: the session to run on the socket once the `101` is
/// written. `user` is set when the request authenticated in its header.
pub struct Accepted {
    core: Arc<Core>,
    ip: Option<String>,
    user: Option<UserCaller>,
    slot: SocketSlot,
}

impl Accepted {
    /// Starts the session actor on the upgraded socket; `read_ahead` is what the client
    /// sent behind its handshake.
    pub fn run(self, socket: TcpStream, read_ahead: BytesMut) {
        let (reader, writer) = socket.into_split();
        let inbound = Inbound::new(reader, &read_ahead, MAX_FRAME_BYTES);
        WsSession::create(move |ctx| {
            ctx.add_stream(inbound);
            ctx.spawn(Writer);
            let out = Outbound::new(writer);
            WsSession::new(self.core, self.ip, self.user, out, self.slot)
        });
    }
}

/// The `101` for a handshake [`check_handshake`] passed, carrying the session to start;
/// 503 when the node holds as many sockets as `CHATAPI_MAX_SOCKETS` allows.
pub fn accept(
    core: Arc<Core>,
    ip: Option<String>,
    user: Option<UserCaller>,
    req: &HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let slot = core.node.sockets.take().ok_or_else(|| {
        ApiError::with_detail(
            ErrorCode::ServiceUnavailable,
            "This node holds all the WebSockets it may; retry shortly",
        )
    })?;
    let key = req
        .headers()
        .get(SEC_WEBSOCKET_KEY)
        .map(|key| hash_key(key.as_bytes()));
    let accept = key
        .and_then(|key| HeaderValue::from_bytes(&key).ok())
        .ok_or_else(|| refusal(HandshakeError::BadWebsocketKey))?;
    let mut response = HttpResponse::SwitchingProtocols()
        .upgrade("websocket")
        .insert_header((SEC_WEBSOCKET_ACCEPT, accept))
        .finish();
    response.extensions_mut().insert(Accepted {
        core,
        ip,
        user,
        slot,
    });
    Ok(response)
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
