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
    http::{
        openapi::{Faults, KeyRefusals, ValidationRefusals},
        paging::{issue, PageQuery},
    },
};

/// The calling user's rooms.
///
/// Scoped key. Each with the user's `role`, `last_read_seq` and `unread_count`.
#[utoipa::path(
    get,
    path = "/api/v1/rooms",
    operation_id = "list_own_rooms",
    tag = "rooms",
    security(("scoped_key" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of rooms", body = Page<MyRoomBody>),
        KeyRefusals,
        ValidationRefusals,
        Faults,
    )
)]
pub async fn mine(
    caller: UserCaller,
    core: web::Data<Core>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<MyRoomBody>>, ApiError> {
    let page = query.into_inner().page(Listing::MyRooms)?;
    let rooms = core.my_rooms(&caller, &page).await?;
    Ok(web::Json(issue(Listing::MyRooms, rooms)))
}

/// Every room of the client.
///
/// Master key.
#[utoipa::path(
    get,
    path = "/api/v1/rooms/all",
    operation_id = "list_all_rooms",
    tag = "rooms",
    security(("master_key" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of rooms", body = Page<RoomBody>),
        KeyRefusals,
        ValidationRefusals,
        Faults,
    )
)]
pub async fn all(
    caller: MasterCaller,
    core: web::Data<Core>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<RoomBody>>, ApiError> {
    let page = query.into_inner().page(Listing::Rooms)?;
    let rooms = core.all_rooms(&caller, &page).await?;
    Ok(web::Json(issue(Listing::Rooms, rooms)))
}
