//! The request log: one `tracing` span per request (its close line carries the
//! latency), built like `tracing_actix_web`'s default but with every key-shaped token
//! redacted from what the client controls (the target, path and query alike, the
//! user agent, and the error texts, which may quote the path). The client address is
//! the one the node believes (`client_ip`), not whatever `X-Forwarded-For` says. Keys are never read
//! from a URL; this keeps one a careless client put there out of the logs too.
//! (`tracing-actix-web`'s `emit_event_on_error` is off in `Cargo.toml`: it would log
//! each error again, unredacted; `ApiError::report` logs each error once.)

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::StatusCode,
    Error, HttpMessage, ResponseError,
};
use tracing::{field::Empty, Span};
use tracing_actix_web::{RequestId, RootSpanBuilder};

use super::client_ip::client_ip;
use crate::domain::redact::redact_keys;

/// The root span of every request, given to `TracingLogger`.
pub struct RedactedRootSpan;

impl RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let target = request.uri().path_and_query().map_or("", |p| p.as_str());
        let user_agent = request
            .headers()
            .get("User-Agent")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %request.match_pattern().as_deref().unwrap_or("default"),
            http.target = %redact_keys(target),
            http.client_ip = %client_ip(request.request()).unwrap_or_default(),
            http.user_agent = %redact_keys(user_agent),
            http.status_code = Empty,
            request_id = %request_id,
            exception.message = Empty,
            exception.details = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        match outcome {
            Ok(response) => match response.response().error() {
                Some(error) => record_error(&span, response.status(), error.as_response_error()),
                None => {
                    span.record("http.status_code", response.status().as_u16());
                }
            },
            Err(error) => {
                let error = error.as_response_error();
                record_error(&span, error.status_code(), error);
            }
        }
    }
}

fn record_error(span: &Span, status: StatusCode, error: &dyn ResponseError) {
    span.record("http.status_code", status.as_u16());
    span.record(
        "exception.message",
        redact_keys(&error.to_string()).as_ref(),
    );
    span.record(
        "exception.details",
        redact_keys(&format!("{error:?}")).as_ref(),
    );
}
