//! `DELETE /webhooks/{id}`: 204; its outbox and log go with it.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::MasterCaller, error::ErrorBody, ApiError, Core},
    domain::ids::WebhookId,
    http::openapi::{Faults, KeyRefusals},
};

/// Delete a webhook and its outbox.
///
/// Master key.
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    operation_id = "delete_webhook",
    tag = "webhooks",
    security(("master_key" = [])),
    params(("id" = WebhookId, Path, description = "The webhook's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`WEBHOOK_NOT_FOUND`", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn delete(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    core.delete_webhook(&caller, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
