//! What a room command is, and what it may use while it runs.
//!
//! Every request about one room (REST or WebSocket) is a value of a type that
//! implements [`RoomCommand`]. The room's actor runs it inside its atomic section: the
//! command reads what it needs once, checks its permission rule, writes through the
//! engine and records its [`Effects`]; the actor then applies them (state, fan-out,
//! subscriptions) before the next command starts.

use std::sync::Arc;

use async_trait::async_trait;

use super::access::Access;
use crate::{
    core::{actors::cluster::NodeInfo, auth::Caller, events::Event, ApiError, ErrorCode},
    domain::{
        ids::{MessageId, RoomId, UserId},
        room::{Room, RoomStats},
    },
    engine::SharedEngine,
};

/// One request a room's actor runs. `Send` because it crosses from an HTTP worker or
/// a session to the room's actor.
#[async_trait(?Send)]
pub trait RoomCommand: Send + 'static {
    /// What the caller gets back; each edge decides how to show it.
    type Output: Send + 'static;

    /// The room the command is about.
    fn target(&self) -> Target;

    async fn run(self, room: &RoomContext, effects: &mut Effects)
        -> Result<Self::Output, ApiError>;
}

/// What a room's actor answers: every [`RoomCommand`], which it runs one at a time,
/// and a send (`SendMessage`), which it commits in groups.
pub trait RoomRequest: Send + 'static {
    type Output: Send + 'static;

    /// The room the request is about.
    fn target(&self) -> Target;
}

impl<C: RoomCommand> RoomRequest for C {
    type Output = C::Output;

    fn target(&self) -> Target {
        RoomCommand::target(self)
    }
}

/// Where a command goes: a room, or the room a message lives in.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Room(RoomId),
    Message(MessageId),
}

impl Target {
    /// What the caller is told when the room is not theirs to see. For a message, a
    /// room that is gone or another client's must say "no such message", exactly as a
    /// message id that never existed does: `ROOM_NOT_FOUND` would tell a prober that
    /// the message exists elsewhere.
    pub fn not_found(self) -> ErrorCode {
        match self {
            Target::Room(_) => ErrorCode::RoomNotFound,
            Target::Message(_) => ErrorCode::MessageNotFound,
        }
    }
}

/// What a command runs with: the engine, the room's id, the caller, and the limits
/// its writes are held to.
pub struct RoomContext {
    pub engine: SharedEngine,
    pub room_id: RoomId,
    /// The command's [`Target::not_found`]: the answer for a room the caller cannot see.
    pub not_found: ErrorCode,
    pub caller: Caller,
    /// This node: its limits and its metrics.
    pub node: Arc<NodeInfo>,
}

/// The room as a command found it, read once before anything is written.
pub struct Loaded<'a> {
    pub room: Room,
    pub stats: RoomStats,
    pub access: Access<'a>,
}

impl RoomContext {
    /// Reads the room with the caller's membership, in one step (one round trip on
    /// Redis). Another client's room is as unknown as a missing one, and answers the
    /// command's `not_found`. The room is read
    /// from the store on every request: another node may have changed it a moment ago.
    pub async fn load(&self) -> Result<Loaded<'_>, ApiError> {
        let user = self.caller.user().map(|user| user.id);
        let (room, stats, member) =
            match self.engine.get_room_with_member(self.room_id, user).await? {
                Some((room, stats, member)) if room.client_id == self.caller.client().id => {
                    (room, stats, member)
                }
                _ => return Err(self.not_found.into()),
            };
        Ok(Loaded {
            room,
            stats,
            access: Access::new(&self.caller, member),
        })
    }
}

/// What a command changed besides the store, for the actor to apply in this order:
/// the room's state, the events, the subscriptions.
#[derive(Default)]
pub struct Effects {
    pub room: RoomChange,
    /// Typing started (`true`) or stopped by this user: the actor keeps its timer.
    pub typing: Option<(UserId, bool)>,
    pub events: Vec<Event>,
    /// Users who joined or left: their sessions are (un)subscribed.
    pub memberships: Vec<(UserId, MemberChange)>,
}

/// How a command changed one user's membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    /// Joined when the room's last `seq` was `after`: every later message is the
    /// user's, even one sent before the user's sessions were subscribed.
    Joined {
        after: u64,
    },
    Left,
}

impl Effects {
    pub fn emit(&mut self, event: Event) {
        self.events.push(event);
    }

    pub fn joined(&mut self, user: UserId, after: u64) {
        self.memberships
            .push((user, MemberChange::Joined { after }));
    }

    pub fn left(&mut self, user: UserId) {
        self.memberships.push((user, MemberChange::Left));
    }
}

/// Whether the command made or removed the room itself.
#[derive(Default)]
pub enum RoomChange {
    #[default]
    Unchanged,
    Created,
    Deleted,
}
