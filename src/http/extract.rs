//! Extractors that authenticate: a handler that takes [`MasterCaller`], [`UserCaller`]
//! or [`Caller`] runs only for a live key of that kind. The HTTP edge finds the key
//! (the bearer header) and the caller's address; the core applies the rules.

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::client_ip::client_ip;
use crate::core::{
    auth::{Caller, Credentials, MasterCaller, UserCaller},
    ApiError, Core,
};

/// The bearer token of a request, if it sent one.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// What authentication needs from a request, owned so it can cross an `.await`.
pub fn credentials(req: &HttpRequest) -> Credentials {
    Credentials {
        token: bearer(req),
        ip: client_ip(req),
        route: req.match_pattern().unwrap_or_else(|| req.path().to_owned()),
    }
}

/// The core and the request's credentials, or a 500 if the core is not registered.
fn parts(req: &HttpRequest) -> Result<(web::Data<Core>, Credentials), ApiError> {
    let core = req
        .app_data::<web::Data<Core>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("Core not registered")))?;
    Ok((core, credentials(req)))
}

/// Each caller type is extracted by the core check that yields it.
macro_rules! authenticated_by {
    ($caller:ty, $check:ident) => {
        impl FromRequest for $caller {
            type Error = ApiError;
            type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let parts = parts(req);
                Box::pin(async move {
                    let (core, credentials) = parts?;
                    core.$check(&credentials).await
                })
            }
        }
    };
}

authenticated_by!(Caller, authenticate);
authenticated_by!(MasterCaller, authenticate_master);
authenticated_by!(UserCaller, authenticate_user);
