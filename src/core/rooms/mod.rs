//! Rooms (`API.md` §5). Every request about one room is a [`RoomCommand`], one file
//! each, run by that room's actor; `Core::run` (in `core/run.rs`) is how either edge
//! sends one there.
//! Lists of rooms and the direct-room lookup read or write several rooms and run
//! outside any room's actor.

mod access;
mod add_member;
mod command;
mod create;
mod delete;
mod direct;
mod join;
mod leave;
mod list;
mod mark_read;
mod members;
mod presence;
mod read;
mod remove_member;
mod typing;
mod update;

pub use self::{
    access::Access,
    add_member::AddMember,
    command::{
        Effects, Loaded, MemberChange, RoomChange, RoomCommand, RoomContext, RoomRequest, Target,
    },
    create::{CreateRoom, RoomFields},
    delete::DeleteRoom,
    join::JoinRoom,
    leave::LeaveRoom,
    mark_read::MarkRead,
    members::ListMembers,
    presence::QueryPresence,
    read::ReadRoom,
    remove_member::RemoveMember,
    typing::Typing,
    update::{RoomChangeFields, UpdateRoom},
};
use crate::{
    core::{
        events::Event,
        views::{MembershipBody, RoomBody},
        ApiError, ErrorCode,
    },
    domain::{
        ids::{RoomId, UserId},
        room::{Membership, Room},
    },
    engine::AddMember as Added,
};

/// The room as the API shows it, with the store's current counters.
async fn room_body(ctx: &RoomContext, room: Room) -> Result<RoomBody, ApiError> {
    let stats = ctx
        .engine
        .get_room(room.id)
        .await?
        .map(|(_, stats)| stats)
        .unwrap_or_default();
    Ok(RoomBody::new(room, stats, &ctx.node.inactivity))
}

/// Stores a new membership and tells the room (`member.joined`).
async fn add(
    ctx: &RoomContext,
    room: &Room,
    membership: Membership,
    effects: &mut Effects,
) -> Result<MembershipBody, ApiError> {
    let after = match ctx.engine.add_member(&membership, room.max_members).await? {
        Added::Added { last_seq } => last_seq,
        Added::AlreadyMember => return Err(ErrorCode::AlreadyMember.into()),
        Added::Full => return Err(ErrorCode::RoomFull.into()),
        Added::RoomGone => return Err(ErrorCode::RoomNotFound.into()),
        Added::UserGone => return Err(ErrorCode::UserNotFound.into()),
    };
    let user_id = membership.user_id;
    effects.emit(Event::MemberJoined {
        room_id: room.id,
        user_id,
    });
    effects.joined(user_id, after);
    Ok(membership.into())
}

/// Tells the room a member left (`member.left`).
fn left(room_id: RoomId, user_id: UserId, effects: &mut Effects) {
    effects.emit(Event::MemberLeft { room_id, user_id });
    effects.left(user_id);
}
