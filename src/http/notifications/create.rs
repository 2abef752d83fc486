//! `POST /notifications`: 201 with the id, the number of recipients and how many
//! were connected.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::MasterCaller, notifications::NotificationFields, ApiError, Core},
    http::{answer::created, json::Json},
};

#[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
pub async fn create(
    caller: MasterCaller,
    core: web::Data<Core>,
    body: Json<NotificationFields>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(core.send_notification(&caller, body.0).await?))
}
