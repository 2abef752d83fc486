//! `GET /analytics/live`: connections and messages per second, per node and in total.

use actix_web::web;

use crate::core::{auth::MasterCaller, views::LiveBody, ApiError, Core};

pub async fn live(
    caller: MasterCaller,
    core: web::Data<Core>,
) -> Result<web::Json<LiveBody>, ApiError> {
    Ok(web::Json(core.live_analytics(&caller).await?))
}
