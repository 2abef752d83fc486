//! `GET /clients/me`: the calling client application.

use actix_web::web;

use crate::core::{auth::MasterCaller, views::ClientBody};

pub async fn read(caller: MasterCaller) -> web::Json<ClientBody> {
    web::Json(caller.client.into())
}
