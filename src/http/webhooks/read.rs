//! `GET /webhooks/{id}`.

use actix_web::web;

use crate::{
    core::{auth::MasterCaller, error::ErrorBody, views::WebhookBody, ApiError, Core},
    domain::ids::WebhookId,
    http::openapi::{Faults, KeyRefusals},
};

/// A webhook of the client.
///
/// Master key. Never shows the secret.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}",
    operation_id = "read_webhook",
    tag = "webhooks",
    security(("master_key" = [])),
    params(("id" = WebhookId, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook", body = WebhookBody),
        (status = 404, description = "`WEBHOOK_NOT_FOUND`", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn read(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<web::Json<WebhookBody>, ApiError> {
    Ok(web::Json(core.read_webhook(&caller, &id).await?))
}
