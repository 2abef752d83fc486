//! `DELETE /rooms/{id}`: master or owner; members are told (`room.deleted`).

use actix_web::{web, HttpResponse};

use super::answer;
use crate::{
    actors::room::RoomCommand, auth::extract::Caller, error::ApiError, http::state::AppState,
};

pub async fn delete(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    answer(&state, &id, caller, RoomCommand::Delete).await
}
