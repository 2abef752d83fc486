//! `GET /rooms/{id}/presence`.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::Caller, rooms::QueryPresence, ApiError, Core},
    http::answer::{ok, room_id},
};

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
