//! The core's error as an HTTP answer: the documented status and body, with
//! `Retry-After` when the core knows when to come back.

use actix_web::{http::header, http::StatusCode, HttpResponse, ResponseError};

use super::answer::rate_headers;
use crate::core::ApiError;

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(seconds) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        let mut response = response.json(self.report());
        if let Some(status) = self.rate() {
            rate_headers(response.headers_mut(), status);
        }
        response
    }
}
