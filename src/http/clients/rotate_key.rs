//! `POST /clients/me/rotate-key`.

use actix_web::web;

use crate::{
    core::{auth::MasterCaller, clients::Rotated, ApiError, Core},
    http::openapi::{Faults, KeyRefusals},
};

/// A new master key.
///
/// Master key. The old key stops working at once; the new one is shown this once.
#[utoipa::path(
    post,
    path = "/api/v1/clients/me/rotate-key",
    operation_id = "rotate_master_key",
    tag = "clients",
    security(("master_key" = [])),
    responses(
        (status = 200, description = "The new master key", body = Rotated),
        KeyRefusals,
        Faults,
    )
)]
pub async fn rotate_key(
    caller: MasterCaller,
    core: web::Data<Core>,
) -> Result<web::Json<Rotated>, ApiError> {
    Ok(web::Json(core.rotate_master_key(&caller).await?))
}
