//! `PATCH /clients/me`.

use actix_web::web;

use crate::{
    core::{auth::MasterCaller, clients::ClientChangeFields, views::ClientBody, ApiError, Core},
    http::json::Json,
};

pub async fn update(
    caller: MasterCaller,
    core: web::Data<Core>,
    body: Json<ClientChangeFields>,
) -> Result<web::Json<ClientBody>, ApiError> {
    Ok(web::Json(core.update_client(caller, body.0).await?))
}
