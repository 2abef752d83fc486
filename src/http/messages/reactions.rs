//! `POST /messages/{id}/reactions {emoji}` and `DELETE /messages/{id}/reactions/{emoji}`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::answer;
use crate::{
    actors::room::RoomCommand,
    auth::extract::{Caller, UserCaller},
    error::ApiError,
    http::{json::Json, state::AppState},
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
    let emoji = body.0.emoji;
    let command = |id| RoomCommand::React {
        id,
        emoji,
        add: true,
    };
    answer(&state, &id, Caller::User(caller), command).await
}

pub async fn remove(
    caller: UserCaller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, emoji) = path.into_inner();
    let command = |id| RoomCommand::React {
        id,
        emoji,
        add: false,
    };
    answer(&state, &id, Caller::User(caller), command).await
}
