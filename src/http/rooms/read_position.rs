//! `POST /rooms/{id}/read {seq}`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    core::{
        auth::{Caller, UserCaller},
        error::ErrorBody,
        rooms::MarkRead,
        views::ReadBody,
        ApiError, Core,
    },
    domain::ids::RoomId,
    http::{
        answer::{ok, room_id},
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadUpTo {
    seq: u64,
}

/// Move the calling member's read position forward.
///
/// Scoped key of a member. A `seq` behind the current position leaves it where it is.
#[utoipa::path(
    post,
    path = "/api/v1/rooms/{id}/read",
    operation_id = "mark_room_read",
    tag = "rooms",
    security(("scoped_key" = [])),
    params(("id" = RoomId, Path, description = "The room's id")),
    request_body = ReadUpTo,
    responses(
        (status = 200, description = "The read position", body = ReadBody),
        (status = 404, description = "`ROOM_NOT_FOUND`: no such room, or another client's", body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn mark_read(
    caller: UserCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
    body: Json<ReadUpTo>,
) -> Result<HttpResponse, ApiError> {
    let command = MarkRead {
        room_id: room_id(&id)?,
        seq: body.0.seq,
    };
    Ok(ok(core.run(Caller::User(caller), command).await?))
}
