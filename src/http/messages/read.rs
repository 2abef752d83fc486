//! `GET /messages/{id}`.

use actix_web::{web, HttpResponse};

use super::answer;
use crate::{
    actors::room::RoomCommand, auth::extract::Caller, error::ApiError, http::state::AppState,
};

pub async fn read(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    answer(&state, &id, caller, |id| RoomCommand::ReadMessage { id }).await
}
