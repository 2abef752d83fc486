//! `POST /notifications`: 201 with the id, the number of recipients and how many
//! were connected.

use actix_web::{web, HttpResponse};

use crate::{
    core::{
        auth::MasterCaller, error::ErrorBody, notifications::NotificationFields,
        views::NotificationSent, ApiError, Core,
    },
    http::{
        answer::created,
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

/// Send a notification to users, or to a room's members.
///
/// Master key. Every recipient gets a `notification` frame at once on every node it is
/// connected to, and an inbox entry.
#[utoipa::path(
    post,
    path = "/api/v1/notifications",
    operation_id = "send_notification",
    tag = "notifications",
    security(("master_key" = [])),
    request_body = NotificationFields,
    responses(
        (status = 201, description = "Sent and stored", body = NotificationSent),
        (status = 404, description = "`USER_NOT_FOUND` or `ROOM_NOT_FOUND`", body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
#[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
pub async fn create(
    caller: MasterCaller,
    core: web::Data<Core>,
    body: Json<NotificationFields>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(core.send_notification(&caller, body.0).await?))
}
