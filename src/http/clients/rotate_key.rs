//! `POST /clients/me/rotate-key`.

use actix_web::web;

use crate::core::{auth::MasterCaller, clients::Rotated, ApiError, Core};

pub async fn rotate_key(
    caller: MasterCaller,
    core: web::Data<Core>,
) -> Result<web::Json<Rotated>, ApiError> {
    Ok(web::Json(core.rotate_master_key(&caller).await?))
}
