//! `GET /rooms/{id}/presence`.

use actix_web::{web, HttpResponse};

use crate::{
    core::{
        auth::Caller, error::ErrorBody, rooms::QueryPresence, views::PresenceBody, ApiError, Core,
    },
    domain::ids::RoomId,
    http::{
        answer::{ok, room_id},
        openapi::{Faults, KeyRefusals},
    },
};

/// Who in the room is online, across all nodes.
///
/// Master key, or the scoped key of a member.
#[utoipa::path(
    get,
    path = "/api/v1/rooms/{id}/presence",
    operation_id = "room_presence",
    tag = "rooms",
    security(("master_key" = []), ("scoped_key" = [])),
    params(("id" = RoomId, Path, description = "The room's id")),
    responses(
        (status = 200, description = "The online members", body = PresenceBody),
        (status = 404, description = "`ROOM_NOT_FOUND`: no such room, or another client's", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
pub async fn presence(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let command = QueryPresence {
        room_id: room_id(&id)?,
    };
    Ok(ok(core.run(caller, command).await?))
}
