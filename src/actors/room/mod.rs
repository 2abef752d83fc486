//! The room actor: the one place that orders a room's events. It handles one
//! [`Execute`] at a time (an atomic response), so a request's write to the store and
//! the fan-out of its event finish before the next request starts: members see the
//! room's events in `seq` order. Each event is serialized once and the same bytes go
//! to every local session.

mod commands;

use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use actix::dev::SendError;
use actix::{
    Actor, ActorContext, ActorFutureExt, Addr, AsyncContext, AtomicResponse, Context, Handler,
    SpawnHandle, WrapFuture,
};

use self::commands::{CommandContext, Outcome, RoomChange};
pub use self::commands::{NewMessage, Reply, RoomChanges, RoomCommand};
use super::{
    messages::{
        Deliver, Disconnect, Execute, MembershipChanged, RoomStopped, SessionLink, Subscribe,
        Unsubscribe,
    },
    registry::Registry,
};
use crate::{
    domain::{
        ids::{RoomId, SessionId, UserId},
        room::Room,
    },
    engine::SharedEngine,
    ws::protocol::{close, Event},
};

/// Typing indicators lapse after this long without a refresh.
pub const TYPING_TIMEOUT: Duration = Duration::from_secs(6);
/// A room with no local session stops after this long without a request.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// An actor for an id with no room (a typo, a probe) stops much sooner, so such
/// requests cannot pile up actors.
const MISSING_ROOM_TIMEOUT: Duration = Duration::from_secs(1);

pub struct RoomActor {
    room_id: RoomId,
    engine: SharedEngine,
    registry: Addr<Registry>,
    /// The room as last read or written here; `None` until loaded, or if it does
    /// not exist (then requests other than a create answer `ROOM_NOT_FOUND`).
    room: Option<Room>,
    /// The room's last `seq`, kept current by the appends made here.
    last_seq: u64,
    subscribers: HashMap<SessionId, SessionLink>,
    /// Who is typing, with the timer that clears it.
    typing: HashMap<UserId, SpawnHandle>,
    last_request: Instant,
    deleted: bool,
}

impl RoomActor {
    pub fn new(
        room_id: RoomId,
        engine: SharedEngine,
        registry: Addr<Registry>,
        subscribers: Vec<SessionLink>,
    ) -> Self {
        Self {
            room_id,
            engine,
            registry,
            room: None,
            last_seq: 0,
            subscribers: subscribers.into_iter().map(|l| (l.session_id, l)).collect(),
            typing: HashMap::new(),
            last_request: Instant::now(),
            deleted: false,
        }
    }

    fn online_users(&self) -> HashSet<UserId> {
        self.subscribers.values().map(|link| link.user_id).collect()
    }

    fn is_online(&self, user: UserId) -> bool {
        self.subscribers.values().any(|link| link.user_id == user)
    }

    /// Sends one event to every local subscriber. A session whose queue is full is
    /// too slow: it is dropped from the room and closed with 4009, so it never holds
    /// the room back nor grows this node's memory.
    fn fan_out(&mut self, event: &Event) {
        let deliver = Deliver {
            room_id: self.room_id,
            seq: event.stream_seq(),
            frame: event.encode(),
        };
        let mut gone = Vec::new();
        for (id, link) in &self.subscribers {
            match link.deliver.try_send(deliver.clone()) {
                Ok(()) => {}
                Err(SendError::Full(_)) => {
                    link.disconnect.do_send(Disconnect {
                        code: close::TOO_SLOW,
                        reason: "too slow",
                    });
                    gone.push(*id);
                }
                Err(SendError::Closed(_)) => gone.push(*id),
            }
        }
        for id in gone {
            self.subscribers.remove(&id);
        }
    }

    fn set_typing(&mut self, user: UserId, is_typing: bool, ctx: &mut Context<Self>) {
        if let Some(timer) = self.typing.remove(&user) {
            ctx.cancel_future(timer);
        }
        if is_typing {
            let timer = ctx.run_later(TYPING_TIMEOUT, move |act, ctx| {
                act.typing.remove(&user);
                act.broadcast_typing(user, false, ctx);
            });
            self.typing.insert(user, timer);
        }
    }

    fn broadcast_typing(&mut self, user: UserId, is_typing: bool, _: &mut Context<Self>) {
        self.fan_out(&Event::Typing {
            room_id: self.room_id,
            user_id: user,
            is_typing,
        });
    }

    /// Applies what a command changed, in this order: state, events, subscriptions.
    fn apply(&mut self, outcome: Outcome, ctx: &mut Context<Self>) {
        match outcome.room {
            RoomChange::Unchanged => {}
            RoomChange::Set(room) => self.room = Some(room),
            RoomChange::Deleted => {
                self.room = None;
                self.deleted = true;
            }
        }
        if let Some(seq) = outcome.last_seq {
            self.last_seq = self.last_seq.max(seq);
        }
        if let Some((user, is_typing)) = outcome.typing {
            self.set_typing(user, is_typing, ctx);
        }
        for event in &outcome.events {
            self.fan_out(event);
        }
        for (user_id, joined) in outcome.memberships {
            self.registry.do_send(MembershipChanged {
                room_id: self.room_id,
                user_id,
                joined,
            });
        }
        if self.deleted {
            ctx.stop();
        }
    }
}

impl Actor for RoomActor {
    type Context = Context<Self>;

    /// Loads the room before any request is handled (`wait` holds the mailbox).
    fn started(&mut self, ctx: &mut Context<Self>) {
        let engine = self.engine.clone();
        let room_id = self.room_id;
        ctx.wait(
            async move { engine.get_room(room_id).await }
                .into_actor(self)
                .map(|loaded, act, _| match loaded {
                    Ok(Some((room, stats))) => {
                        act.room = Some(room);
                        act.last_seq = stats.last_seq;
                    }
                    Ok(None) => {}
                    Err(err) => {
                        tracing::warn!(room_id = %act.room_id, error = %err, "room not loaded")
                    }
                }),
        );
        ctx.run_interval(MISSING_ROOM_TIMEOUT, |act, ctx| {
            let limit = if act.room.is_some() {
                IDLE_TIMEOUT
            } else {
                MISSING_ROOM_TIMEOUT
            };
            if act.subscribers.is_empty() && act.last_request.elapsed() >= limit {
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, ctx: &mut Context<Self>) {
        self.registry.do_send(RoomStopped {
            room_id: self.room_id,
            addr: ctx.address(),
            deleted: self.deleted,
        });
    }
}

impl Handler<Execute> for RoomActor {
    type Result = AtomicResponse<Self, Result<Reply, crate::error::ApiError>>;

    fn handle(&mut self, msg: Execute, _: &mut Context<Self>) -> Self::Result {
        self.last_request = Instant::now();
        let context = CommandContext {
            engine: self.engine.clone(),
            room: self.room.clone(),
            last_seq: self.last_seq,
            online: self.online_users(),
        };
        AtomicResponse::new(Box::pin(
            commands::run(context, msg.caller, msg.command)
                .into_actor(self)
                .map(|result, act, ctx| {
                    result.map(|outcome| {
                        let reply = outcome.reply.clone();
                        act.apply(outcome, ctx);
                        reply
                    })
                }),
        ))
    }
}

impl Handler<Subscribe> for RoomActor {
    type Result = Option<u64>;

    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) -> Option<u64> {
        self.room.as_ref()?;
        let user = msg.link.user_id;
        let was_online = self.is_online(user);
        self.subscribers.insert(msg.link.session_id, msg.link);
        if !was_online {
            self.fan_out(&Event::Presence {
                room_id: self.room_id,
                user_id: user,
                online: true,
            });
        }
        Some(self.last_seq)
    }
}

impl Handler<Unsubscribe> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, ctx: &mut Context<Self>) {
        let Some(link) = self.subscribers.remove(&msg.session_id) else {
            return;
        };
        if self.is_online(link.user_id) {
            return;
        }
        if let Some(timer) = self.typing.remove(&link.user_id) {
            ctx.cancel_future(timer);
            self.broadcast_typing(link.user_id, false, ctx);
        }
        self.fan_out(&Event::Presence {
            room_id: self.room_id,
            user_id: link.user_id,
            online: false,
        });
    }
}
