//! `GET /webhooks/{id}/deliveries` (every attempt, newest first) and
//! `POST /webhooks/{id}/deliveries/{delivery_id}/replay` (202: queued again).

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::MasterCaller, error::ErrorBody, views::DeliveryBody, ApiError, Core},
    domain::{cursor::Listing, ids::WebhookId, page::Page},
    http::{
        openapi::{Faults, KeyRefusals, ValidationRefusals},
        paging::{issue, PageQuery},
    },
};

/// Every delivery attempt of a webhook, newest first.
///
/// Master key.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}/deliveries",
    operation_id = "list_deliveries",
    tag = "webhooks",
    security(("master_key" = [])),
    params(("id" = WebhookId, Path, description = "The webhook's id"), PageQuery),
    responses(
        (status = 200, description = "A page of attempts", body = Page<DeliveryBody>),
        (status = 404, description = "`WEBHOOK_NOT_FOUND`", body = ErrorBody),
        KeyRefusals,
        ValidationRefusals,
        Faults,
    )
)]
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

/// Send one delivery's event again, with the same event id.
///
/// Master key.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay",
    operation_id = "replay_delivery",
    tag = "webhooks",
    security(("master_key" = [])),
    params(
        ("id" = WebhookId, Path, description = "The webhook's id"),
        ("delivery_id" = String, Path, description = "The attempt's id")
    ),
    responses(
        (status = 202, description = "Queued again; the attempt replayed", body = DeliveryBody),
        (status = 404, description = "`WEBHOOK_NOT_FOUND` (the webhook or the delivery)",
            body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn replay(
    caller: MasterCaller,
    core: web::Data<Core>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery) = path.into_inner();
    let replayed = core.replay(&caller, &id, &delivery).await?;
    Ok(HttpResponse::Accepted().json(replayed))
}
