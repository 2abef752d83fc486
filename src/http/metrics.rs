//! `GET /metrics` at the root path (the Prometheus convention; no key, like
//! `/health`), and the middleware that counts every request by route and status.

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web, HttpResponse,
};

use super::openapi::Faults;
use crate::core::{actors::messages::Census, ApiError, Core, ErrorCode};

/// The node's metrics.
///
/// No key, at the root path (the Prometheus convention). Prometheus text format; every
/// series carries the node's id as its `node` label.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4",
            body = String, content_type = "text/plain"),
        Faults,
    )
)]
pub async fn scrape(core: web::Data<Core>) -> Result<HttpResponse, ApiError> {
    // The session and room gauges are read from the registry now, so no hot path
    // keeps them.
    let headcount = core
        .registry
        .send(Census)
        .await
        .map_err(|_| ApiError::new(ErrorCode::ServiceUnavailable))?;
    let metrics = &core.node.metrics;
    metrics.connections.set(gauge(headcount.sessions));
    metrics.rooms_local.set(gauge(headcount.rooms));
    let text = metrics.render().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}

fn gauge(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// Counts each answered request under its route pattern (`/api/v1/rooms/{id}`), or
/// `unmatched` for paths no route serves, so ids never become series.
pub async fn count(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let core = req.app_data::<web::Data<Core>>().cloned();
    let response = next.call(req).await?;
    if let Some(core) = core {
        let route = response.request().match_pattern();
        core.node.metrics.http_request(
            route.as_deref().unwrap_or("unmatched"),
            response.status().as_str(),
        );
    }
    Ok(response)
}
