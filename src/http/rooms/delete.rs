//! `DELETE /rooms/{id}`: 204.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::Caller, rooms::DeleteRoom, ApiError, Core},
    http::answer::{done, room_id},
};

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
