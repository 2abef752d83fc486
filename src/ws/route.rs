//! `GET /api/v1/ws`: the upgrade. A server client may authenticate with its
//! `Authorization` header here (a bad key is refused before the upgrade); a browser
//! sends an `auth` frame instead. Keys in the URL are never read.

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use actix_web_actors::ws;

use super::protocol::MAX_FRAME_BYTES;
use crate::{
    actors::session::WsSession,
    auth::{
        audit::peer_ip,
        extract::{bearer, Caller},
    },
    error::{ApiError, ErrorCode},
    http::state::AppState,
};

pub async fn upgrade(
    req: HttpRequest,
    stream: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let user = if bearer(&req).is_some() {
        let caller = Caller::extract(&req).await?;
        match caller {
            Caller::User(user) => Some(user),
            Caller::Master(_) => {
                return Err(ApiError::new(ErrorCode::InsufficientPermissions).into())
            }
        }
    } else {
        None
    };
    let session = WsSession::new(state, peer_ip(&req), user);
    ws::WsResponseBuilder::new(session, &req, stream)
        .frame_size(MAX_FRAME_BYTES)
        .start()
}
