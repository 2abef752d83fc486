//! `POST /rooms/{id}/read {seq}`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::{
    core::{
        auth::{Caller, UserCaller},
        rooms::MarkRead,
        ApiError, Core,
    },
    http::{
        answer::{ok, room_id},
        json::Json,
    },
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadUpTo {
    seq: u64,
}

pub async fn mark_read(
    caller: UserCaller,
    core: web::Data<Core>,
    id: web::Path<String>,
    body: Json<ReadUpTo>,
) -> Result<HttpResponse, ApiError> {
    let command = MarkRead {
        room_id: room_id(&id)?,
        seq: body.0.seq,
    };
    Ok(ok(core.run(Caller::User(caller), command).await?))
}
