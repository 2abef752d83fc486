//! `POST /rooms`: 201 with the new room.

use actix_web::{web, HttpResponse};

use crate::{
    core::{
        auth::Caller,
        rooms::{CreateRoom, RoomFields},
        ApiError, Core,
    },
    http::{answer::created, json::Json},
};

#[tracing::instrument(skip_all, fields(client_id = %caller.client().id))]
pub async fn create(
    caller: Caller,
    core: web::Data<Core>,
    body: Json<RoomFields>,
) -> Result<HttpResponse, ApiError> {
    let command = CreateRoom::parse(&caller, body.0)?;
    Ok(created(core.run(caller, command).await?))
}
