//! `PATCH /messages/{id} {content}`: the sender edits its message.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::answer;
use crate::{
    actors::room::RoomCommand,
    auth::extract::Caller,
    error::ApiError,
    http::{json::Json, state::AppState},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    content: String,
}

pub async fn update(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<Edit>,
) -> Result<HttpResponse, ApiError> {
    let content = body.0.content;
    answer(&state, &id, caller, |id| RoomCommand::Edit { id, content }).await
}
