//! The upgrade: `GET /api/v1/ws`, once the HTTP edge has read the request (a server
//! client's `Authorization` header, checked before the upgrade, and the caller's
//! address). A browser authenticates with its first frame instead. Keys in the URL
//! are never read.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use actix_web_actors::ws;

use super::{protocol::MAX_FRAME_BYTES, session::WsSession};
use crate::core::{auth::UserCaller, Core};

/// Starts the session actor on the upgraded connection; `user` is set when the
/// request authenticated in its header.
pub fn start(
    core: Arc<Core>,
    ip: Option<String>,
    user: Option<UserCaller>,
    req: &HttpRequest,
    stream: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let session = WsSession::new(core, ip, user);
    ws::WsResponseBuilder::new(session, req, stream)
        .frame_size(MAX_FRAME_BYTES)
        .start()
}
