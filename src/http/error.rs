//! The core's error as an HTTP answer: the documented status and body, with
//! `Retry-After` when the core knows when to come back, and on every 503 (API.md §2),
//! whichever of the many ways to a 503 raised it (the store away, a pool timeout, a
//! room actor restarting, the node shutting down): it is set here, once, for all.

use actix_web::{http::header, http::StatusCode, HttpResponse, ResponseError};

use super::answer::rate_headers;
use crate::core::{error::UNAVAILABLE_RETRY_AFTER_SECS, ApiError, ErrorCode};

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        let unavailable = self.code() == ErrorCode::ServiceUnavailable;
        let retry_after = self
            .retry_after()
            .or(unavailable.then_some(UNAVAILABLE_RETRY_AFTER_SECS));
        if let Some(seconds) = retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        let mut response = response.json(self.report());
        if let Some(status) = self.rate() {
            rate_headers(response.headers_mut(), status);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 503s raised without a store error (a room actor restarting, the node
    /// shutting down, a record changed concurrently) say when to come back too.
    #[test]
    fn every_503_carries_retry_after() {
        let raised = [
            ApiError::new(ErrorCode::ServiceUnavailable),
            ApiError::with_detail(ErrorCode::ServiceUnavailable, "The node is shutting down"),
            ApiError::from(crate::engine::EngineError::Unavailable(anyhow::anyhow!(
                "down"
            ))),
        ];
        for err in raised {
            let response = err.error_response();
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(
                response.headers().get(header::RETRY_AFTER).unwrap(),
                "1",
                "{err:?}"
            );
        }
        let refused = ApiError::new(ErrorCode::RoomNotFound).error_response();
        assert!(!refused.headers().contains_key(header::RETRY_AFTER));
    }
}
