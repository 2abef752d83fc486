//! `DELETE /messages/{id}`: 204.

use actix_web::{web, HttpResponse};

use crate::{
    core::{auth::Caller, messages::DeleteMessage, ApiError, Core},
    http::answer::{done, message_id},
};

pub async fn delete(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let command = DeleteMessage {
        id: message_id(&id)?,
    };
    Ok(done(core.run(caller, command).await?))
}
