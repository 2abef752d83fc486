//! `GET /clients/me`: the calling client application.

use actix_web::web;

use crate::{
    core::{auth::MasterCaller, views::ClientBody},
    http::openapi::{Faults, KeyRefusals},
};

/// The calling client application.
///
/// Master key. Never shows the key.
#[utoipa::path(
    get,
    path = "/api/v1/clients/me",
    operation_id = "read_client",
    tag = "clients",
    security(("master_key" = [])),
    responses(
        (status = 200, description = "The client", body = ClientBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn read(caller: MasterCaller) -> web::Json<ClientBody> {
    web::Json(caller.client.into())
}
