//! `GET /webhooks/{id}/deliveries` (every attempt, newest first) and
//! `POST /webhooks/{id}/deliveries/{delivery_id}/replay` (202: queued again).

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::MasterCaller, views::DeliveryBody, ApiError, Core},
    domain::{cursor::Listing, page::Page},
    http::paging::{issue, PageQuery},
};

pub async fn list(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<DeliveryBody>>, ApiError> {
    let page = query.into_inner().page(Listing::Deliveries)?;
    let deliveries = core.deliveries(&caller, &id, &page).await?;
    Ok(web::Json(issue(Listing::Deliveries, deliveries)))
}

pub async fn replay(
    caller: MasterCaller,
    core: web::Data<Core>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery) = path.into_inner();
    let replayed = core.replay(&caller, &id, &delivery).await?;
    Ok(HttpResponse::Accepted().json(replayed))
}
