//! `POST /rooms/direct {user_id}`: 201 the first time, 200 with the same room after.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    core::{auth::UserCaller, error::ErrorBody, views::RoomBody, ApiError, Core},
    domain::ids::UserId,
    http::{
        answer::made,
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Direct {
    user_id: UserId,
}

/// The direct room of the calling user and another.
///
/// Scoped key. One room per pair: 201 the first time, 200 with the same room after.
#[utoipa::path(
    post,
    path = "/api/v1/rooms/direct",
    operation_id = "direct_room",
    tag = "rooms",
    security(("scoped_key" = [])),
    request_body = Direct,
    responses(
        (status = 201, description = "The new direct room", body = RoomBody),
        (status = 200, description = "The pair's existing direct room", body = RoomBody),
        (status = 404, description = "`USER_NOT_FOUND`: no such active user in this client",
            body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn direct(
    caller: UserCaller,
    core: web::Data<Core>,
    body: Json<Direct>,
) -> Result<HttpResponse, ApiError> {
    Ok(made(core.direct_room(caller, body.0.user_id).await?))
}
