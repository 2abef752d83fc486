//! `PATCH /webhooks/{id}`: `{url?, events?, is_active?}` → the webhook.

use actix_web::web;

use crate::{
    core::{
        auth::MasterCaller, error::ErrorBody, views::WebhookBody, webhooks::WebhookChange,
        ApiError, Core,
    },
    domain::ids::WebhookId,
    http::{
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

/// Change a webhook's URL, events or whether it is active.
///
/// Master key.
#[utoipa::path(
    patch,
    path = "/api/v1/webhooks/{id}",
    operation_id = "update_webhook",
    tag = "webhooks",
    security(("master_key" = [])),
    params(("id" = WebhookId, Path, description = "The webhook's id")),
    request_body = WebhookChange,
    responses(
        (status = 200, description = "The webhook", body = WebhookBody),
        (status = 404, description = "`WEBHOOK_NOT_FOUND`", body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn update(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
    body: Json<WebhookChange>,
) -> Result<web::Json<WebhookBody>, ApiError> {
    Ok(web::Json(core.update_webhook(&caller, &id, body.0).await?))
}
