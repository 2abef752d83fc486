//! `DELETE /webhooks/{id}`: 204; its outbox and log go with it.

use actix_web::{web, HttpResponse};

use crate::core::{auth::MasterCaller, ApiError, Core};

pub async fn delete(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    core.delete_webhook(&caller, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
