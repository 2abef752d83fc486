//! `POST /users/{id}/revoke`: 204.

use actix_web::{web, HttpResponse};

use crate::core::{auth::MasterCaller, ApiError, Core};

pub async fn revoke(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    core.revoke_user(&caller, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
