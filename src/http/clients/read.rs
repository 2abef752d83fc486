//! `GET /clients/me`: the calling client application.

use actix_web::web;

use super::ClientBody;
use crate::auth::extract::MasterCaller;

pub async fn read(caller: MasterCaller) -> web::Json<ClientBody> {
    web::Json(caller.client.into())
}
