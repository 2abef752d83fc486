//! `PATCH /webhooks/{id}`: `{url?, events?, is_active?}` → the webhook.

use actix_web::web;

use crate::{
    core::{auth::MasterCaller, views::WebhookBody, webhooks::WebhookChange, ApiError, Core},
    http::json::Json,
};

pub async fn update(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
    body: Json<WebhookChange>,
) -> Result<web::Json<WebhookBody>, ApiError> {
    Ok(web::Json(core.update_webhook(&caller, &id, body.0).await?))
}
