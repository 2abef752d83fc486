//! Every actix message of the real-time core. Kept few and generic: rooms take
//! [`Execute`] for every request, sessions take [`Deliver`] and [`Disconnect`].

use std::sync::Arc;

use actix::{dev::SendError, Message, Recipient};
use bytestring::ByteString;
use serde::{Deserialize, Serialize};

use super::Tell;
use crate::{
    core::{auth::Caller, rooms::RoomRequest, ApiError},
    domain::{
        ids::{ClientId, RoomId, SessionId, UserId},
        keys::KeyDigest,
    },
};

/// How a room reaches its registry: only the messages a room sends it.
#[derive(Clone)]
pub struct RegistryLink {
    pub idle: Recipient<RoomIdle>,
    pub membership: Recipient<MembershipChanged>,
    pub deleted: Recipient<RoomDeleted>,
}

/// How a room reaches one session.
#[derive(Clone)]
pub struct SessionLink {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub deliver: Recipient<Deliver>,
    pub disconnect: Recipient<Disconnect>,
}

impl SessionLink {
    /// Hands a frame to the session without waiting. A session whose queue is full is
    /// too slow: it is told to close (4009), so it never holds back whoever sends to
    /// it. `false` when the frame was not taken (too slow, or the session is gone).
    pub fn offer(&self, deliver: Deliver) -> bool {
        match self.deliver.try_send(deliver) {
            Ok(()) => true,
            Err(SendError::Full(_)) => {
                self.disconnect.tell(Disconnect {
                    reason: CloseReason::TooSlow,
                });
                false
            }
            Err(SendError::Closed(_)) => false,
        }
    }
}

/// Why the core ends a session; the WebSocket edge turns it into a close code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// The key it was opened with was revoked (rotation, logout, revoke,
    /// deactivation, deletion).
    KeyRevoked,
    /// Its outbound queue was full: it cannot keep up with its rooms.
    TooSlow,
    /// The node is shutting down: reconnect elsewhere.
    Restarting,
}

// --- to sessions -----------------------------------------------------------------

/// Encoded frames for a session, in order: what one room event, or one commit of
/// several messages, sends it. Shared: a room builds the batch once and hands every
/// session the same one, so a delivery allocates nothing of its own.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct Deliver {
    pub frames: Arc<[Framed]>,
}

/// One encoded frame; `stream` is set on new messages (their room and `seq`), which
/// the session uses to keep each room's stream in order and free of duplicates.
#[derive(Clone)]
pub struct Framed {
    pub stream: Option<(RoomId, u64)>,
    pub frame: ByteString,
}

impl Deliver {
    /// A single frame that is not a new message (a notification, a room event).
    pub fn one(frame: ByteString) -> Self {
        Self {
            frames: Arc::new([Framed {
                stream: None,
                frame,
            }]),
        }
    }

    /// Whether it carries new messages (which a session may hold for a `sync`).
    pub fn has_messages(&self) -> bool {
        self.frames.iter().any(|framed| framed.stream.is_some())
    }
}

/// Close the session.
#[derive(Message, Clone, Copy)]
#[rtype(result = "()")]
pub struct Disconnect {
    pub reason: CloseReason,
}

// --- to rooms ----------------------------------------------------------------------

/// Run one command against a room, on behalf of an authenticated caller.
pub struct Execute<C> {
    pub caller: Caller,
    pub command: C,
}

impl<C: RoomRequest> Message for Execute<C> {
    type Result = Result<C::Output, ApiError>;
}

/// Start sending the room's events to a session; answers the room's current last
/// `seq` (the session's starting point), or `None` if the room does not exist.
#[derive(Message)]
#[rtype(result = "Option<u64>")]
pub struct Subscribe {
    pub link: SessionLink,
    /// A join's starting point ([`MembershipChanged::after`]): the messages after it
    /// that the room delivered before this subscription are sent to the session too.
    pub after: Option<u64>,
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

/// Stop now: the registry has forgotten this actor and nothing is on its way to it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopRoom;

// --- to the registry ---------------------------------------------------------------

/// Forward an [`Execute`] to a room's actor, starting it if needed.
pub struct ToRoom<C> {
    pub room_id: RoomId,
    pub execute: Execute<C>,
}

impl<C: RoomRequest> Message for ToRoom<C> {
    type Result = Result<C::Output, ApiError>;
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

/// How many sessions this node holds, and in how many rooms: read when metrics are
/// scraped, so the hot paths keep no gauge.
#[derive(Message)]
#[rtype(result = "Headcount")]
pub struct Census;

#[derive(Debug, Clone, Copy)]
pub struct Headcount {
    pub sessions: usize,
    /// Rooms with at least one of those sessions.
    pub rooms: usize,
}

/// A user joined or left a room: (un)subscribe that user's sessions.
#[derive(Message)]
#[rtype(result = "()")]
pub struct MembershipChanged {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub joined: bool,
    /// For a join, the room's last `seq` when it was stored: the sessions get every
    /// later message. `None` when unknown (a notice from an older node).
    pub after: Option<u64>,
}

/// Close the user's sessions, but those opened with `keep` (the key a rotation just
/// issued, if any).
#[derive(Message)]
#[rtype(result = "()")]
pub struct CloseUserSessions {
    pub user_id: UserId,
    pub keep: Option<KeyDigest>,
    pub reason: CloseReason,
    /// Tell every other node too; `false` when the store's change carried the notice.
    pub announce: bool,
}

/// Tell every other node to forget these callers from its cache (this node already
/// has).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ForgetCallers {
    pub client_id: ClientId,
    pub user_id: Option<UserId>,
}

/// Send this frame (a notification) to every session of these users, on every node.
#[derive(Message)]
#[rtype(result = "()")]
pub struct NotifyUsers {
    pub user_ids: Vec<UserId>,
    pub frame: ByteString,
}

/// A room actor has had no session and no request for its idle time: the registry
/// stops it unless a request is on its way to it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RoomIdle {
    pub room_id: RoomId,
    /// Which of the room's actors is idle: a newer one may already serve the room.
    pub generation: u64,
}

/// A room was deleted here: its sessions forget it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RoomDeleted {
    pub room_id: RoomId,
}

/// The node is shutting down: close every session so clients reconnect elsewhere.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown;
