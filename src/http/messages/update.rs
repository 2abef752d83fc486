//! `PATCH /messages/{id} {content}`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::{
    core::{auth::Caller, messages::EditMessage, ApiError, Core},
    http::{
        answer::{message_id, ok},
        json::Json,
    },
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    content: String,
}

pub async fn update(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
    body: Json<Edit>,
) -> Result<HttpResponse, ApiError> {
    let command = EditMessage::parse(message_id(&id)?, body.0.content)?;
    Ok(ok(core.run(caller, command).await?))
}
