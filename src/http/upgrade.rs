//! `GET /api/v1/ws`: the HTTP side of the upgrade. A server client may authenticate
//! with its `Authorization` header here (a bad key is refused before the upgrade); a
//! browser sends an `auth` frame instead, which the session reads. A request that is
//! not a WebSocket handshake is refused first, in the documented body.

use actix_web::{web, HttpRequest, HttpResponse};

use super::{
    answer::rate_headers,
    client_ip::client_ip,
    extract::{bearer, credentials},
    openapi::{Faults, KeyRefusals, ValidationRefusals},
};
use crate::{
    core::{ApiError, Core},
    ws,
};

/// The WebSocket connection (API.md §6).
///
/// Scoped key, in `Authorization: Bearer` (server clients, checked before the upgrade),
/// or, for browsers, in an `auth` frame sent first, within 10 s. A request that is not a
/// WebSocket handshake (`Upgrade: websocket`, `Connection: Upgrade`,
/// `Sec-WebSocket-Version: 13`, `Sec-WebSocket-Key`) is 422 naming the header, before
/// any authentication. Limited per user (`CHATAPI_RATE_WS_CONNECTS_PER_MIN`).
#[utoipa::path(
    get,
    path = "/api/v1/ws",
    operation_id = "websocket",
    tag = "websocket",
    security((), ("scoped_key" = [])),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol", headers(
            ("X-RateLimit-Limit" = u32, description = "The user's connect bucket size"),
            ("X-RateLimit-Remaining" = u32, description = "Connects left in the bucket"),
            ("X-RateLimit-Reset" = u64, description = "Seconds until the bucket is full"),
        )),
        KeyRefusals,
        ValidationRefusals,
        Faults,
    )
)]
pub async fn upgrade(req: HttpRequest, core: web::Data<Core>) -> Result<HttpResponse, ApiError> {
    ws::route::check_handshake(&req)?;
    let (user, rate) = if bearer(&req).is_some() {
        let admitted = core.admit_session(&credentials(&req)).await?;
        (Some(admitted.body), admitted.rate)
    } else {
        (None, None)
    };
    let mut response = ws::route::accept(core.into_inner(), client_ip(&req), user, &req)?;
    if let Some(status) = rate {
        rate_headers(response.headers_mut(), status);
    }
    Ok(response)
}
