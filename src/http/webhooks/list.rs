//! `GET /webhooks?limit=&cursor=`: the client's webhooks, oldest first.

use actix_web::web;

use crate::{
    core::{auth::MasterCaller, views::WebhookBody, ApiError, Core},
    domain::page::Page,
    http::paging::PageQuery,
};

pub async fn list(
    caller: MasterCaller,
    core: web::Data<Core>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<WebhookBody>>, ApiError> {
    let page = query.into_inner().page()?;
    Ok(web::Json(core.list_webhooks(&caller, &page).await?))
}
