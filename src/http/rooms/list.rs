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
    http::paging::{issue, page_request, PageQuery},
};
use serde::Deserialize;

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
#[derive(Debug, Deserialize)]
pub struct AllRooms {
    include_inactive: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

pub async fn all(
    caller: MasterCaller,
    core: web::Data<Core>,
    query: web::Query<AllRooms>,
) -> Result<web::Json<Page<RoomBody>>, ApiError> {
    let query = query.into_inner();
    let mut validator = Validator::default();
    let include = validator.check_opt(
        "include_inactive",
        query.include_inactive,
        |text| match text.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err("must be true or false".to_owned()),
        },
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
