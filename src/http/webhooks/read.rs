//! `GET /webhooks/{id}`.

use actix_web::web;

use crate::core::{auth::MasterCaller, views::WebhookBody, ApiError, Core};

pub async fn read(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<web::Json<WebhookBody>, ApiError> {
    Ok(web::Json(core.read_webhook(&caller, &id).await?))
}
