//! `GET /api/v1/ws`: the HTTP side of the upgrade. A server client may authenticate
//! with its `Authorization` header here (a bad key is refused before the upgrade); a
//! browser sends an `auth` frame instead, which the session reads. A request that is
//! not a WebSocket handshake is refused first, in the documented body.

use actix_web::{web, HttpRequest, HttpResponse};

use super::{
    answer::rate_headers,
    client_ip::client_ip,
    extract::{bearer, credentials},
};
use crate::{
    core::{auth::Caller, ApiError, Core, ErrorCode},
    ws,
};

pub async fn upgrade(
    req: HttpRequest,
    stream: web::Payload,
    core: web::Data<Core>,
) -> Result<HttpResponse, ApiError> {
    ws::route::check_handshake(&req)?;
    let (user, rate) = if bearer(&req).is_some() {
        match core.authenticate(&credentials(&req)).await? {
            Caller::User(user) => {
                let rate = core.admit_session(&user).await?;
                (Some(user), rate)
            }
            Caller::Master(_) => return Err(ApiError::new(ErrorCode::InsufficientPermissions)),
        }
    } else {
        (None, None)
    };
    let mut response = ws::route::start(core.into_inner(), client_ip(&req), user, &req, stream)?;
    if let Some(status) = rate {
        rate_headers(response.headers_mut(), status);
    }
    Ok(response)
}
