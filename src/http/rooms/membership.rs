//! Joining and leaving: `POST /rooms/join {room_id}` (the guide's form) and
//! `POST /rooms/{id}/join`; likewise `leave`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    core::{
        auth::{Caller, UserCaller},
        error::ErrorBody,
        rooms::{JoinRoom, LeaveRoom},
        views::MembershipBody,
        ApiError, Core,
    },
    domain::ids::RoomId,
    http::{
        answer::{done, ok, room_id},
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomRef {
    #[schema(value_type = RoomId)]
    room_id: String,
}

async fn join_room(core: &Core, caller: UserCaller, id: &str) -> Result<HttpResponse, ApiError> {
    let command = JoinRoom {
        room_id: room_id(id)?,
    };
    Ok(ok(core.run(Caller::User(caller), command).await?))
}

async fn leave_room(core: &Core, caller: UserCaller, id: &str) -> Result<HttpResponse, ApiError> {
    let command = LeaveRoom {
        room_id: room_id(id)?,
    };
    Ok(done(core.run(Caller::User(caller), command).await?))
}

/// Join a public room (the guide's form).
///
/// Scoped key. Private rooms are joined only by being added (403).
#[utoipa::path(
    post,
    path = "/api/v1/rooms/join",
    operation_id = "join_room",
    tag = "rooms",
    security(("scoped_key" = [])),
    request_body = RoomRef,
    responses(
        (status = 200, description = "The membership", body = MembershipBody),
        (status = 404, description = "`ROOM_NOT_FOUND`: no such room, or another client's", body = ErrorBody),
        (status = 409, description = "`ALREADY_MEMBER`, or `ROOM_FULL` at `max_members`", body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn join(
    caller: UserCaller,
    core: web::Data<Core>,
    body: Json<RoomRef>,
) -> Result<HttpResponse, ApiError> {
    join_room(&core, caller, &body.0.room_id).await
}

/// Join a public room.
///
/// Scoped key. Private rooms are joined only by being added (403).
#[utoipa::path(
    post,
    path = "/api/v1/rooms/{id}/join",
    operation_id = "join_room_by_path",
    tag = "rooms",
    security(("scoped_key" = [])),
    params(("id" = RoomId, Path, description = "The room's id")),
    responses(
        (status = 200, description = "The membership", body = MembershipBody),
        (status = 404, description = "`ROOM_NOT_FOUND`: no such room, or another client's", body = ErrorBody),
        (status = 409, description = "`ALREADY_MEMBER`, or `ROOM_FULL` at `max_members`", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn join_path(
    caller: UserCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    join_room(&core, caller, &id).await
}

/// Leave a room (the guide's form).
///
/// Scoped key.
#[utoipa::path(
    post,
    path = "/api/v1/rooms/leave",
    operation_id = "leave_room",
    tag = "rooms",
    security(("scoped_key" = [])),
    request_body = RoomRef,
    responses(
        (status = 204, description = "The user has left"),
        (status = 404, description = "`ROOM_NOT_FOUND`: no such room, or another client's", body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn leave(
    caller: UserCaller,
    core: web::Data<Core>,
    body: Json<RoomRef>,
) -> Result<HttpResponse, ApiError> {
    leave_room(&core, caller, &body.0.room_id).await
}

/// Leave a room.
///
/// Scoped key.
#[utoipa::path(
    post,
    path = "/api/v1/rooms/{id}/leave",
    operation_id = "leave_room_by_path",
    tag = "rooms",
    security(("scoped_key" = [])),
    params(("id" = RoomId, Path, description = "The room's id")),
    responses(
        (status = 204, description = "The user has left"),
        (status = 404, description = "`ROOM_NOT_FOUND`: no such room, or another client's", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn leave_path(
    caller: UserCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    leave_room(&core, caller, &id).await
}
