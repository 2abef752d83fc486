//! `GET /rooms` (a user's own rooms, with unread counts) and `GET /rooms/all` (every
//! room of the client, master key).

use actix_web::web;

use crate::{
    core::{
        auth::{MasterCaller, UserCaller},
        views::{MyRoomBody, RoomBody},
        ApiError, Core,
    },
    domain::{cursor::Listing, page::Page},
    http::paging::{issue, PageQuery},
};

pub async fn mine(
    caller: UserCaller,
    core: web::Data<Core>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<MyRoomBody>>, ApiError> {
    let page = query.into_inner().page(Listing::MyRooms)?;
    let rooms = core.my_rooms(&caller, &page).await?;
    Ok(web::Json(issue(Listing::MyRooms, rooms)))
}

pub async fn all(
    caller: MasterCaller,
    core: web::Data<Core>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<RoomBody>>, ApiError> {
    let page = query.into_inner().page(Listing::Rooms)?;
    let rooms = core.all_rooms(&caller, &page).await?;
    Ok(web::Json(issue(Listing::Rooms, rooms)))
}
