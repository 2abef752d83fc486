//! `POST /rooms/direct {user_id}`: the caller's direct room with another user, made
//! once per pair; asking again returns the same room.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::{execute, respond};
use crate::{
    actors::{messages::MembershipChanged, room::RoomCommand},
    auth::extract::{Caller, UserCaller},
    domain::{
        ids::{RoomId, UserId},
        room::{Membership, Role, Room, RoomType},
    },
    error::{ApiError, ErrorCode},
    http::{json::Json, state::AppState},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Direct {
    user_id: UserId,
}

pub async fn direct(
    caller: UserCaller,
    state: web::Data<AppState>,
    body: Json<Direct>,
) -> Result<HttpResponse, ApiError> {
    let other = body.0.user_id;
    match state.engine.get_user(other).await? {
        Some(user)
            if user.client_id == caller.client.id && user.is_active && other != caller.user.id => {}
        _ => return Err(ErrorCode::UserNotFound.into()),
    }
    let now = Utc::now();
    let me = caller.user.id;
    let room = Room {
        id: RoomId::random(),
        client_id: caller.client.id,
        name: format!("{} & {}", caller.user.username.as_str(), other),
        description: None,
        room_type: RoomType::Direct,
        is_private: true,
        max_members: 2,
        created_by: Some(me),
        metadata: Default::default(),
        created_at: now,
        updated_at: now,
    };
    let member = |user_id| Membership {
        room_id: room.id,
        user_id,
        role: Role::Member,
        joined_at: now,
    };
    let pair = [member(me), member(other)];
    let room_id = state.engine.create_direct_room(&room, &pair).await?;
    let created = room_id == room.id;
    if created {
        for user_id in [me, other] {
            state.registry.do_send(MembershipChanged {
                room_id,
                user_id,
                joined: true,
            });
        }
    }
    let reply = execute(&state, room_id, Caller::User(caller), RoomCommand::Read).await?;
    Ok(if created {
        HttpResponse::Created().json(reply)
    } else {
        respond(reply)
    })
}
