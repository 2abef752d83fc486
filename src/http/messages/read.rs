//! `GET /messages/{id}`.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::Caller, messages::ReadMessage, ApiError, Core},
    http::answer::{message_id, ok},
};

pub async fn read(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let command = ReadMessage {
        id: message_id(&id)?,
    };
    Ok(ok(core.run(caller, command).await?))
}
