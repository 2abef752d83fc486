//! `PATCH /messages/{id} {content}`: the sender edits its message.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::locate;
use crate::{
    actors::room::RoomCommand,
    auth::extract::Caller,
    error::ApiError,
    http::{
        json::Json,
        rooms::{execute, respond},
        state::AppState,
    },
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
    let (id, room) = locate(&state, &id).await?;
    let command = RoomCommand::Edit {
        id,
        content: body.0.content,
    };
    Ok(respond(execute(&state, room, caller, command).await?))
}
