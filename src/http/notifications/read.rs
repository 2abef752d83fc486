//! `POST /notifications/{id}/read`: 200 with the entry, now read.

use actix_web::web;

use crate::core::{auth::UserCaller, views::InboxEntryBody, ApiError, Core};

pub async fn mark_read(
    caller: UserCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<web::Json<InboxEntryBody>, ApiError> {
    Ok(web::Json(core.mark_notification_read(&caller, &id).await?))
}
