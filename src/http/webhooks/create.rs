//! `POST /webhooks`: 201 with the webhook and its secret, shown this once.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::MasterCaller, webhooks::WebhookFields, ApiError, Core},
    http::{answer::created, json::Json},
};

#[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
pub async fn create(
    caller: MasterCaller,
    core: web::Data<Core>,
    body: Json<WebhookFields>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(core.create_webhook(&caller, body.0).await?))
}
