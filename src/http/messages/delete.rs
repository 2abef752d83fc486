//! `DELETE /messages/{id}`: soft delete by the sender, the room's owner or admins, or
//! the master key.

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
    answer(&state, &id, caller, |id| RoomCommand::DeleteMessage { id }).await
}
