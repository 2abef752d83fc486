//! `DELETE /users/{id}`: 204.

use actix_web::{web, HttpResponse};

use crate::core::{auth::MasterCaller, ApiError, Core};

pub async fn delete(
    caller: MasterCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    core.delete_user(&caller, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
