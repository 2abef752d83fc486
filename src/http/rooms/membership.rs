//! Joining and leaving: `POST /rooms/join {room_id}` (the guide's form) and
//! `POST /rooms/{id}/join`; likewise `leave`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::{
    core::{
        auth::{Caller, UserCaller},
        rooms::{JoinRoom, LeaveRoom},
        ApiError, Core,
    },
    http::{
        answer::{done, ok, room_id},
        json::Json,
    },
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomRef {
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

pub async fn join(
    caller: UserCaller,
    core: web::Data<Core>,
    body: Json<RoomRef>,
) -> Result<HttpResponse, ApiError> {
    join_room(&core, caller, &body.0.room_id).await
}

pub async fn join_path(
    caller: UserCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    join_room(&core, caller, &id).await
}

pub async fn leave(
    caller: UserCaller,
    core: web::Data<Core>,
    body: Json<RoomRef>,
) -> Result<HttpResponse, ApiError> {
    leave_room(&core, caller, &body.0.room_id).await
}

pub async fn leave_path(
    caller: UserCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    leave_room(&core, caller, &id).await
}
