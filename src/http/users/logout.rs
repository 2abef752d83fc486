//! `POST /users/logout`: 204.

use actix_web::{web, HttpResponse};

use crate::core::{auth::UserCaller, ApiError, Core};

pub async fn logout(caller: UserCaller, core: web::Data<Core>) -> Result<HttpResponse, ApiError> {
    core.logout(&caller).await?;
    Ok(HttpResponse::NoContent().finish())
}
