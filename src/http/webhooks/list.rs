//! `GET /webhooks?limit=&cursor=`: the client's webhooks, oldest first.

use actix_web::web;

use crate::{
    core::{auth::MasterCaller, views::WebhookBody, ApiError, Core},
    domain::{cursor::Listing, page::Page},
    http::{
        openapi::{Faults, KeyRefusals, ValidationRefusals},
        paging::{issue, PageQuery},
    },
};

/// The client's webhooks, oldest first.
///
/// Master key.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    operation_id = "list_webhooks",
    tag = "webhooks",
    security(("master_key" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of webhooks", body = Page<WebhookBody>),
        KeyRefusals,
        ValidationRefusals,
        Faults,
    )
)]
pub async fn list(
    caller: MasterCaller,
    core: web::Data<Core>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<WebhookBody>>, ApiError> {
    let page = query.into_inner().page(Listing::Webhooks)?;
    let webhooks = core.list_webhooks(&caller, &page).await?;
    Ok(web::Json(issue(Listing::Webhooks, webhooks)))
}
