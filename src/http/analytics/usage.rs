//! `GET /analytics?from=&to=&bucket=hour|day`.

use actix_web::web;

use crate::{
    core::{analytics::AnalyticsQuery, auth::MasterCaller, views::AnalyticsBody, ApiError, Core},
    http::openapi::{Faults, KeyRefusals, ValidationRefusals},
};

/// Usage of the client per hour or day.
///
/// Master key: the calling client's own counts.
#[utoipa::path(
    get,
    path = "/api/v1/analytics",
    operation_id = "analytics",
    tag = "analytics",
    security(("master_key" = [])),
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "One entry per bucket", body = AnalyticsBody),
        KeyRefusals,
        ValidationRefusals,
        Faults,
    )
)]
pub async fn usage(
    caller: MasterCaller,
    core: web::Data<Core>,
    query: web::Query<AnalyticsQuery>,
) -> Result<web::Json<AnalyticsBody>, ApiError> {
    Ok(web::Json(
        core.analytics(&caller, query.into_inner()).await?,
    ))
}
