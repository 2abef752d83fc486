//! `POST /notifications/{id}/read`: 200 with the entry, now read.

use actix_web::web;

use crate::{
    core::{auth::UserCaller, error::ErrorBody, views::InboxEntryBody, ApiError, Core},
    domain::ids::NotificationId,
    http::openapi::{Faults, KeyRefusals},
};

/// Mark one inbox entry read.
///
/// Scoped key: the user's own entry.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/{id}/read",
    operation_id = "mark_notification_read",
    tag = "notifications",
    security(("scoped_key" = [])),
    params(("id" = NotificationId, Path, description = "The notification's id")),
    responses(
        (status = 200, description = "The entry", body = InboxEntryBody),
        (status = 404, description = "`NOTIFICATION_NOT_FOUND`", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn mark_read(
    caller: UserCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<web::Json<InboxEntryBody>, ApiError> {
    Ok(web::Json(core.mark_notification_read(&caller, &id).await?))
}
