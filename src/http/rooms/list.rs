//! `GET /rooms` (a user's own rooms, with unread counts) and `GET /rooms/all` (every
//! room of the client, master key).

use actix_web::web;
use serde::Deserialize;

use crate::{
    auth::extract::{MasterCaller, UserCaller},
    domain::{page::Page, validation::Validator},
    error::ApiError,
    http::{paging::page_request, state::AppState},
    views::{MyRoomBody, RoomBody},
};

#[derive(Debug, Deserialize)]
pub struct ListRooms {
    limit: Option<String>,
    cursor: Option<String>,
}

impl ListRooms {
    fn page(self) -> Result<crate::domain::page::PageRequest, ApiError> {
        let mut validator = Validator::default();
        page_request(&mut validator, self.limit.as_deref(), self.cursor)
            .ok_or_else(|| ApiError::validation(validator.into_errors()))
    }
}

pub async fn mine(
    caller: UserCaller,
    state: web::Data<AppState>,
    query: web::Query<ListRooms>,
) -> Result<web::Json<Page<MyRoomBody>>, ApiError> {
    let page = query.into_inner().page()?;
    let rooms = state.engine.list_user_rooms(caller.user.id, &page).await?;
    Ok(web::Json(rooms.map(|(room, stats, member)| MyRoomBody {
        unread_count: stats.last_seq.saturating_sub(member.last_read_seq),
        last_read_seq: member.last_read_seq,
        role: member.membership.role,
        room: RoomBody::new(room, stats),
    })))
}

pub async fn all(
    caller: MasterCaller,
    state: web::Data<AppState>,
    query: web::Query<ListRooms>,
) -> Result<web::Json<Page<RoomBody>>, ApiError> {
    let page = query.into_inner().page()?;
    let rooms = state.engine.list_rooms(caller.client.id, &page).await?;
    Ok(web::Json(
        rooms.map(|(room, stats)| RoomBody::new(room, stats)),
    ))
}
