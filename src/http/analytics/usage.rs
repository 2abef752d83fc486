//! `GET /analytics?from=&to=&bucket=hour|day`.

use actix_web::web;

use crate::core::{
    analytics::AnalyticsQuery, auth::MasterCaller, views::AnalyticsBody, ApiError, Core,
};

pub async fn usage(
    caller: MasterCaller,
    core: web::Data<Core>,
    query: web::Query<AnalyticsQuery>,
) -> Result<web::Json<AnalyticsBody>, ApiError> {
    Ok(web::Json(
        core.analytics(&caller, query.into_inner()).await?,
    ))
}
