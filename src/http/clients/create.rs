//! `POST /clients`: 201 with the client and its master key, shown once.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::{
    core::{
        clients::{ClientFields, Registered},
        ApiError, Core,
    },
    http::{
        answer::created,
        extract::credentials,
        json::Json,
        openapi::{AdminTokenRefusals, BodyRefusals, Faults},
    },
};

/// Register a client application.
///
/// No key while the node has no `CHATAPI_ADMIN_TOKEN`; with one set, only a request
/// bearing that token may (401 otherwise). The answer shows the master key, this once.
#[utoipa::path(
    post,
    path = "/api/v1/clients",
    operation_id = "create_client",
    tag = "clients",
    security((), ("admin_token" = [])),
    request_body = ClientFields,
    responses(
        (status = 201, description = "The client and its master key", body = Registered),
        AdminTokenRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn create(
    req: HttpRequest,
    core: web::Data<Core>,
    body: Json<ClientFields>,
) -> Result<HttpResponse, ApiError> {
    let registered = core.register_client(&credentials(&req), body.0).await?;
    Ok(created(registered))
}
