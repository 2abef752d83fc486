//! `GET /rooms/{id}`.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::Caller, rooms::ReadRoom, ApiError, Core},
    http::answer::{ok, room_id},
};

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
