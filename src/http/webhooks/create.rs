//! `POST /webhooks`: 201 with the webhook and its secret, shown this once.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::MasterCaller, views::CreatedWebhook, webhooks::WebhookFields, ApiError, Core},
    http::{
        answer::created,
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

/// Create a webhook.
///
/// Master key. The answer carries its signing secret, shown this once.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    operation_id = "create_webhook",
    tag = "webhooks",
    security(("master_key" = [])),
    request_body = WebhookFields,
    responses(
        (status = 201, description = "The webhook and its secret", body = CreatedWebhook),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
#[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
pub async fn create(
    caller: MasterCaller,
    core: web::Data<Core>,
    body: Json<WebhookFields>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(core.create_webhook(&caller, body.0).await?))
}
