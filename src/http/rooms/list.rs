//! `GET /rooms` (a user's own rooms, with unread counts) and `GET /rooms/all` (every
//! room of the client, master key).

use actix_web::web;

use crate::{
    core::{
        auth::{MasterCaller, UserCaller},
        views::{MyRoomBody, RoomBody},
        ApiError, Core,
    },
    domain::{cursor::Listing, page::Page, validation::Validator},
    http::{
        openapi::{Faults, KeyRefusals, ValidationRefusals},
        paging::{issue, page_request, parse_flag, PageQuery},
    },
};
use serde::Deserialize;

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

/// `?include_inactive=true|false&limit=&cursor=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllRooms {
    /// `true` lists inactive rooms too; they are left out by default.
    #[param(value_type = Option<bool>)]
    include_inactive: Option<String>,
    /// 1 to 200; 50 when absent.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// A previous page's `next_cursor`.
    cursor: Option<String>,
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
    params(AllRooms),
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
    query: web::Query<AllRooms>,
) -> Result<web::Json<Page<RoomBody>>, ApiError> {
    let query = query.into_inner();
    let mut validator = Validator::default();
    let include = validator.check_opt(
        "include_inactive",
        query.include_inactive.as_deref(),
        parse_flag,
    );
    let page = page_request(
        &mut validator,
        Listing::Rooms,
        query.limit.as_deref(),
        query.cursor,
    );
    let (Some(include), Some(page)) = (include, page) else {
        return Err(ApiError::validation(validator.into_errors()));
    };
    let rooms = core
        .all_rooms(&caller, include.unwrap_or(false), &page)
        .await?;
    Ok(web::Json(issue(Listing::Rooms, rooms)))
}
