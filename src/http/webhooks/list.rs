//! `GET /webhooks?limit=&cursor=`: the client's webhooks, oldest first.

use actix_web::web;

use crate::{
    core::{auth::MasterCaller, views::WebhookBody, ApiError, Core},
    domain::{cursor::Listing, page::Page},
    http::paging::{issue, PageQuery},
};

pub async fn list(
    caller: MasterCaller,
    core: web::Data<Core>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<WebhookBody>>, ApiError> {
    let page = query.into_inner().page(Listing::Webhooks)?;
    let webhooks = core.list_webhooks(&caller, &page).await?;
    Ok(web::Json(issue(Listing::Webhooks, webhooks)))
}
