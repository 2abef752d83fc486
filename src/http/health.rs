//! Liveness and readiness, for load balancers and orchestrators.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::state::AppState;
use crate::error::ApiError;

/// `GET /health`: the process is up and serving.
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /ready`: the store answers; 503 `SERVICE_UNAVAILABLE` otherwise.
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.engine.ping().await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}
