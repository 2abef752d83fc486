//! `GET /rooms/{id}`.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::Caller, error::ErrorBody, rooms::ReadRoom, views::RoomBody, ApiError, Core},
    domain::ids::RoomId,
    http::{
        answer::{ok, room_id},
        openapi::{Faults, KeyRefusals},
    },
};

/// A room.
///
/// Master key, or the scoped key of a member; a public room is readable by any user
/// of the client.
#[utoipa::path(
    get,
    path = "/api/v1/rooms/{id}",
    operation_id = "read_room",
    tag = "rooms",
    security(("master_key" = []), ("scoped_key" = [])),
    params(("id" = RoomId, Path, description = "The room's id")),
    responses(
        (status = 200, description = "The room", body = RoomBody),
        (status = 404, description = "`ROOM_NOT_FOUND`: no such room, or another client's", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn read(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let command = ReadRoom {
        room_id: room_id(&id)?,
    };
    Ok(ok(core.run(caller, command).await?))
}
