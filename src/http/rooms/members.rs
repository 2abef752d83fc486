//! `GET /rooms/{id}/members`, `POST /rooms/{id}/members {user_id, role?}` (201),
//! `DELETE /rooms/{id}/members/{user_id}` (204).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::{
    core::{
        auth::Caller,
        rooms::{AddMember, ListMembers, RemoveMember},
        ApiError, Core, ErrorCode,
    },
    domain::{cursor::Listing, ids::UserId, room::Role},
    http::{
        answer::{created, done, ok, room_id},
        json::Json,
        paging::{issue, PageQuery},
    },
};

pub async fn list(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let room_id = room_id(&id)?;
    let page = query.into_inner().page(Listing::Members)?;
    let members = core.run(caller, ListMembers { room_id, page }).await?;
    Ok(ok(issue(Listing::Members, members)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    user_id: UserId,
    role: Option<Role>,
}

pub async fn add(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
    body: Json<NewMember>,
) -> Result<HttpResponse, ApiError> {
    let room_id = room_id(&id)?;
    let Json(NewMember { user_id, role }) = body;
    let command = AddMember {
        room_id,
        user_id,
        role: role.unwrap_or(Role::Member),
    };
    Ok(created(core.run(caller, command).await?))
}

pub async fn remove(
    caller: Caller,
    core: web::Data<Core>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (room, user) = path.into_inner();
    let room_id = room_id(&room)?;
    let user_id = UserId::parse(&user).ok_or(ErrorCode::UserNotFound)?;
    Ok(done(
        core.run(caller, RemoveMember { room_id, user_id }).await?,
    ))
}
