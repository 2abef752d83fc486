//! Liveness and readiness, for load balancers and orchestrators.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::core::{ApiError, Core};

/// `GET /health`: the process is up and serving.
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /ready`: the store answers; 503 `SERVICE_UNAVAILABLE` otherwise.
pub async fn ready(core: web::Data<Core>) -> Result<HttpResponse, ApiError> {
    core.engine.ping().await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}
