//! `DELETE /rooms/{id}`: 204.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::Caller, error::ErrorBody, rooms::DeleteRoom, ApiError, Core},
    domain::ids::RoomId,
    http::{
        answer::{done, room_id},
        openapi::{Faults, KeyRefusals},
    },
};

/// Delete a room.
///
/// Master key, or the scoped key of the room's owner. Members are told
/// (`room.deleted`).
#[utoipa::path(
    delete,
    path = "/api/v1/rooms/{id}",
    operation_id = "delete_room",
    tag = "rooms",
    security(("master_key" = []), ("scoped_key" = [])),
    params(("id" = RoomId, Path, description = "The room's id")),
    responses(
        (status = 204, description = "The room is gone"),
        (status = 404, description = "`ROOM_NOT_FOUND`: no such room, or another client's", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn delete(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let command = DeleteRoom {
        room_id: room_id(&id)?,
    };
    Ok(done(core.run(caller, command).await?))
}
