//! `GET /analytics/live`: connections and messages per second, per node and in total.

use actix_web::web;

use crate::{
    core::{auth::MasterCaller, views::LiveBody, ApiError, Core},
    http::openapi::{Faults, KeyRefusals},
};

/// Connections and messages per second now, per node and in total.
///
/// Master key: the calling client's own load.
#[utoipa::path(
    get,
    path = "/api/v1/analytics/live",
    operation_id = "live_analytics",
    tag = "analytics",
    security(("master_key" = [])),
    responses(
        (status = 200, description = "Each live node and the total", body = LiveBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn live(
    caller: MasterCaller,
    core: web::Data<Core>,
) -> Result<web::Json<LiveBody>, ApiError> {
    Ok(web::Json(core.live_analytics(&caller).await?))
}
