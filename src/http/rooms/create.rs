//! `POST /rooms`: 201 with the new room.

use actix_web::{web, HttpResponse};

use crate::{
    core::{
        auth::Caller,
        error::ErrorBody,
        rooms::{CreateRoom, RoomFields},
        views::RoomBody,
        ApiError, Core,
    },
    http::{
        answer::created,
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals},
    },
};

/// Create a room.
///
/// Master key or scoped key. A scoped creator becomes the room's owner; `member_ids`
/// join as members. `direct` rooms are made by `POST /rooms/direct`.
#[utoipa::path(
    post,
    path = "/api/v1/rooms",
    operation_id = "create_room",
    tag = "rooms",
    security(("master_key" = []), ("scoped_key" = [])),
    request_body = RoomFields,
    responses(
        (status = 201, description = "The new room", body = RoomBody),
        (status = 409, description = "`ROOM_FULL`: more first members than `max_members`",
            body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
#[tracing::instrument(skip_all, fields(client_id = %caller.client().id))]
pub async fn create(
    caller: Caller,
    core: web::Data<Core>,
    body: Json<RoomFields>,
) -> Result<HttpResponse, ApiError> {
    let command = CreateRoom::parse(&caller, body.0)?;
    Ok(created(core.run(caller, command).await?))
}
