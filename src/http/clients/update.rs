//! `PATCH /clients/me`.

use actix_web::web;

use crate::{
    core::{auth::MasterCaller, clients::ClientChangeFields, views::ClientBody, ApiError, Core},
    http::{
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

/// Rename or re-describe the calling client application.
///
/// Master key. Absent fields stay as they are.
#[utoipa::path(
    patch,
    path = "/api/v1/clients/me",
    operation_id = "update_client",
    tag = "clients",
    security(("master_key" = [])),
    request_body = ClientChangeFields,
    responses(
        (status = 200, description = "The client as it now is", body = ClientBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn update(
    caller: MasterCaller,
    core: web::Data<Core>,
    body: Json<ClientChangeFields>,
) -> Result<web::Json<ClientBody>, ApiError> {
    Ok(web::Json(core.update_client(caller, body.0).await?))
}
