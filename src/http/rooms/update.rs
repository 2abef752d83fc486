//! `PATCH /rooms/{id}`.

use actix_web::{web, HttpResponse};

use crate::{
    core::{
        auth::Caller,
        rooms::{RoomChangeFields, UpdateRoom},
        ApiError, Core,
    },
    http::{
        answer::{ok, room_id},
        json::Json,
    },
};

pub async fn update(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
    body: Json<RoomChangeFields>,
) -> Result<HttpResponse, ApiError> {
    let command = UpdateRoom::parse(room_id(&id)?, body.0)?;
    Ok(ok(core.run(caller, command).await?))
}
