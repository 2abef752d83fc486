//! Every actix message of the real-time core. Kept few and generic: rooms take
//! [`Execute`] for every request, sessions take [`Deliver`] and [`Disconnect`].

use actix::{Addr, Message, Recipient};
use bytestring::ByteString;

use super::room::{Reply, RoomActor, RoomCommand};
use crate::{
    auth::extract::Caller,
    domain::{
        ids::{RoomId, SessionId, UserId},
        keys::KeyDigest,
    },
    error::ApiError,
};

/// How a room reaches one session.
#[derive(Clone)]
pub struct SessionLink {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub deliver: Recipient<Deliver>,
    pub disconnect: Recipient<Disconnect>,
}

// --- to sessions -----------------------------------------------------------------

/// One encoded frame for a session; `seq` is set on new messages, which the session
/// uses to keep each room's stream in order and free of duplicates.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct Deliver {
    pub room_id: RoomId,
    pub seq: Option<u64>,
    pub frame: ByteString,
}

/// Close the socket with this code.
#[derive(Message, Clone, Copy)]
#[rtype(result = "()")]
pub struct Disconnect {
    pub code: u16,
    pub reason: &'static str,
}

// --- to rooms ----------------------------------------------------------------------

/// Run one request against a room, on behalf of an authenticated caller.
#[derive(Message, Clone)]
#[rtype(result = "Result<Reply, ApiError>")]
pub struct Execute {
    pub caller: Caller,
    pub command: RoomCommand,
}

/// Start sending the room's events to a session; answers the room's current last
/// `seq` (the session's starting point), or `None` if the room does not exist.
#[derive(Message)]
#[rtype(result = "Option<u64>")]
pub struct Subscribe {
    pub link: SessionLink,
}

/// Stop sending the room's events to a session.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Unsubscribe {
    pub session_id: SessionId,
}

/// A payload another node published on the room's channel.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Remote {
    pub payload: String,
}

/// Messages may have been missed (the broker reconnected): deliver whatever the store
/// holds beyond what this room has delivered.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CatchUp;

// --- to the registry ---------------------------------------------------------------

/// Forward an [`Execute`] to a room's actor, starting it if needed.
#[derive(Message)]
#[rtype(result = "Result<Reply, ApiError>")]
pub struct ToRoom {
    pub room_id: RoomId,
    pub execute: Execute,
    /// Set on the one resend after the actor reached was stopping.
    pub retried: bool,
}

/// A session authenticated: record it and subscribe it to `rooms`. Answers each
/// room's starting `seq` (rooms that vanished meanwhile are left out).
#[derive(Message)]
#[rtype(result = "Vec<(RoomId, u64)>")]
pub struct Connect {
    pub link: SessionLink,
    /// The key it authenticated with, so rotating that key closes it.
    pub key: KeyDigest,
    pub rooms: Vec<RoomId>,
}

/// A session ended: forget it and unsubscribe it everywhere.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SessionClosed {
    pub session_id: SessionId,
}

/// A user joined or left a room: (un)subscribe that user's sessions.
#[derive(Message)]
#[rtype(result = "()")]
pub struct MembershipChanged {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub joined: bool,
}

/// Close the user's sessions with `code`, but those opened with `keep` (the key a
/// rotation just issued, if any).
#[derive(Message)]
#[rtype(result = "()")]
pub struct CloseUserSessions {
    pub user_id: UserId,
    pub keep: Option<KeyDigest>,
    pub code: u16,
}

/// A room actor stopped (idle, or its room was deleted).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RoomStopped {
    pub room_id: RoomId,
    /// Which actor stopped: a newer one may already serve the room.
    pub addr: Addr<RoomActor>,
    pub deleted: bool,
}

/// The node is shutting down: close every session with 1012 so clients reconnect
/// elsewhere.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown;
