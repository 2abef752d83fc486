//! `POST /messages/{id}/reactions {emoji}` and `DELETE /messages/{id}/reactions/{emoji}`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::locate;
use crate::{
    actors::room::RoomCommand,
    auth::extract::{Caller, UserCaller},
    error::ApiError,
    http::{
        json::Json,
        rooms::{execute, respond},
        state::AppState,
    },
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct React {
    emoji: String,
}

pub async fn add(
    caller: UserCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<React>,
) -> Result<HttpResponse, ApiError> {
    let (id, room) = locate(&state, &id).await?;
    let command = RoomCommand::React {
        id,
        emoji: body.0.emoji,
        add: true,
    };
    Ok(respond(
        execute(&state, room, Caller::User(caller), command).await?,
    ))
}

pub async fn remove(
    caller: UserCaller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, emoji) = path.into_inner();
    let (id, room) = locate(&state, &id).await?;
    let command = RoomCommand::React {
        id,
        emoji,
        add: false,
    };
    Ok(respond(
        execute(&state, room, Caller::User(caller), command).await?,
    ))
}
