//! `GET /rooms/{id}/members`, `POST /rooms/{id}/members {user_id, role?}` (201),
//! `DELETE /rooms/{id}/members/{user_id}` (204).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    core::{
        auth::Caller,
        error::ErrorBody,
        rooms::{AddMember, ListMembers, RemoveMember},
        views::{MemberBody, MembershipBody},
        ApiError, Core, ErrorCode,
    },
    domain::{
        cursor::Listing,
        ids::{RoomId, UserId},
        page::Page,
        room::Role,
    },
    http::{
        answer::{created, done, ok, room_id},
        json::Json,
        openapi::{BodyRefusals, Faults, KeyRefusals, ValidationRefusals},
        paging::{issue, PageQuery},
    },
};

/// The room's members.
///
/// Master key, or the scoped key of a member.
#[utoipa::path(
    get,
    path = "/api/v1/rooms/{id}/members",
    operation_id = "list_room_members",
    tag = "rooms",
    security(("master_key" = []), ("scoped_key" = [])),
    params(("id" = RoomId, Path, description = "The room's id"), PageQuery),
    responses(
        (status = 200, description = "A page of members", body = Page<MemberBody>),
        (status = 404, description = "`ROOM_NOT_FOUND`: no such room, or another client's", body = ErrorBody),
        KeyRefusals,
        ValidationRefusals,
        Faults,
    )
)]
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    user_id: UserId,
    role: Option<Role>,
}

/// Add a member.
///
/// Master key, or the scoped key of the room's owner or an admin. `role` defaults to
/// `member`.
#[utoipa::path(
    post,
    path = "/api/v1/rooms/{id}/members",
    operation_id = "add_room_member",
    tag = "rooms",
    security(("master_key" = []), ("scoped_key" = [])),
    params(("id" = RoomId, Path, description = "The room's id")),
    request_body = NewMember,
    responses(
        (status = 201, description = "The membership", body = MembershipBody),
        (status = 404, description = "`ROOM_NOT_FOUND`, or `USER_NOT_FOUND` for the user", body = ErrorBody),
        (status = 409, description = "`ALREADY_MEMBER`, or `ROOM_FULL` at `max_members`", body = ErrorBody),
        KeyRefusals,
        BodyRefusals,
        Faults,
    )
)]
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

/// Remove a member.
///
/// Master key, or the scoped key of the room's owner or an admin.
#[utoipa::path(
    delete,
    path = "/api/v1/rooms/{id}/members/{user_id}",
    operation_id = "remove_room_member",
    tag = "rooms",
    security(("master_key" = []), ("scoped_key" = [])),
    params(
        ("id" = RoomId, Path, description = "The room's id"),
        ("user_id" = UserId, Path, description = "The member's user id"),
    ),
    responses(
        (status = 204, description = "The user is no longer a member"),
        (status = 404, description = "`ROOM_NOT_FOUND`, or `USER_NOT_FOUND` for the user", body = ErrorBody),
        KeyRefusals,
        Faults,
    )
)]
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
