//! `GET /rooms` (a user's own rooms, with unread counts) and `GET /rooms/all` (every
//! room of the client, master key).

use actix_web::web;

use crate::{
    core::{
        auth::{MasterCaller, UserCaller},
        views::{MyRoomBody, RoomBody},
        ApiError, Core,
    },
    domain::page::Page,
    http::paging::PageQuery,
};

pub async fn mine(
    caller: UserCaller,
    core: web::Data<Core>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<MyRoomBody>>, ApiError> {
    let page = query.into_inner().page()?;
    Ok(web::Json(core.my_rooms(&caller, &page).await?))
}

pub async fn all(
    caller: MasterCaller,
    core: web::Data<Core>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<RoomBody>>, ApiError> {
    let page = query.into_inner().page()?;
    Ok(web::Json(core.all_rooms(&caller, &page).await?))
}
