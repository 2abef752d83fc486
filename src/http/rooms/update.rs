//! `PATCH /rooms/{id}`.

use actix_web::{web, HttpResponse};

use crate::{
    core::{
        auth::Caller,
        error::ErrorBody,
        rooms::{RoomChangeFields, UpdateRoom},
        views::RoomBody,
        ApiError, Core,
    },
    domain::ids::RoomId,
    http::{
        answer::{ok, room_id},
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

/// Edit a room.
///
/// Master key, or the scoped key of the room's owner or an admin. Absent fields stay
/// as they are; members are told (`room.updated`).
#[utoipa::path(
    patch,
    path = "/api/v1/rooms/{id}",
    operation_id = "update_room",
    tag = "rooms",
    security(("master_key" = []), ("scoped_key" = [])),
    params(("id" = RoomId, Path, description = "The room's id")),
    request_body = RoomChangeFields,
    responses(
        (status = 200, description = "The room as it now is", body = RoomBody),
        (status = 404, description = "`ROOM_NOT_FOUND`: no such room, or another client's", body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
pub async fn update(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
    body: Json<RoomChangeFields>,
) -> Result<HttpResponse, ApiError> {
    let command = UpdateRoom::parse(room_id(&id)?, body.0)?;
    Ok(ok(core.run(caller, command).await?))
}
