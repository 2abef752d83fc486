//! `POST /clients`: 201 with the client and its master key, shown once.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::{
    core::{clients::ClientFields, ApiError, Core},
    http::{answer::created, extract::credentials, json::Json},
};

pub async fn create(
    req: HttpRequest,
    core: web::Data<Core>,
    body: Json<ClientFields>,
) -> Result<HttpResponse, ApiError> {
    let registered = core.register_client(&credentials(&req), body.0).await?;
    Ok(created(registered))
}
