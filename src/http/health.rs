//! Liveness and readiness, for load balancers and orchestrators.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::openapi::Faults;
use crate::core::{ApiError, Core};

/// `{"status": "ok"}` or `{"status": "ready"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    #[schema(value_type = String, example = "ok")]
    status: &'static str,
}

/// The process is up and serving.
///
/// No key. Answers without touching the store.
#[utoipa::path(
    get,
    path = "/api/v1/health",
    operation_id = "health",
    tag = "operations",
    responses((status = 200, description = "`{\"status\": \"ok\"}`", body = Status))
)]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// The store answers.
///
/// No key. 503 `SERVICE_UNAVAILABLE` while the store cannot be reached.
#[utoipa::path(
    get,
    path = "/api/v1/ready",
    operation_id = "ready",
    tag = "operations",
    responses(
        (status = 200, description = "`{\"status\": \"ready\"}`", body = Status),
        Faults,
    )
)]
pub async fn ready(core: web::Data<Core>) -> Result<HttpResponse, ApiError> {
    core.engine.ping().await?;
    Ok(HttpResponse::Ok().json(Status { status: "ready" }))
}
