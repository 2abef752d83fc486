//! The registry: one per node. It owns the room actors (started on first use, started
//! again if one stops) and the table of sessions by user and by room, which is what a
//! restarted room actor is rebuilt from, and what closes a user's sockets on revocation.
//!
//! It is also the node's end of the broker: room payloads go to the room's actor (if
//! this node has one), control notices are acted on, and after a subscriber reconnect
//! every room catches up from the store. Revocations and membership changes made here
//! are published on the control channel so every node acts on them.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use actix::{Actor, Addr, AsyncContext, Context, Handler, ResponseFuture, StreamHandler};
use futures_util::future::join_all;

use super::{
    cluster::{Control, ControlNotice, NodeInfo},
    messages::{
        CatchUp, CloseUserSessions, Connect, Disconnect, MembershipChanged, Remote, RoomStopped,
        SessionClosed, SessionLink, Shutdown, Subscribe, ToRoom, Unsubscribe,
    },
    room::{Reply, RoomActor},
};
use crate::{
    domain::{
        ids::{RoomId, SessionId, UserId},
        keys::KeyDigest,
    },
    engine::{Inbound, SharedEngine, Topic},
    error::{ApiError, ErrorCode},
    ws::protocol::close,
};

pub struct Registry {
    engine: SharedEngine,
    node: Arc<NodeInfo>,
    rooms: HashMap<RoomId, Addr<RoomActor>>,
    sessions: HashMap<SessionId, SessionEntry>,
    by_user: HashMap<UserId, HashSet<SessionId>>,
}

struct SessionEntry {
    link: SessionLink,
    key: KeyDigest,
    /// The rooms this session is subscribed to.
    rooms: HashSet<RoomId>,
}

impl Registry {
    pub fn new(engine: SharedEngine, node: Arc<NodeInfo>) -> Self {
        Self {
            engine,
            node,
            rooms: HashMap::new(),
            sessions: HashMap::new(),
            by_user: HashMap::new(),
        }
    }

    /// The room's actor, started (with the sessions subscribed to it) if it is not
    /// running: this is both the lazy start and the restart after a stop.
    fn room(&mut self, room_id: RoomId, ctx: &mut Context<Self>) -> Addr<RoomActor> {
        if let Some(addr) = self.rooms.get(&room_id).filter(|addr| addr.connected()) {
            return addr.clone();
        }
        let subscribers = self
            .sessions
            .values()
            .filter(|entry| entry.rooms.contains(&room_id))
            .map(|entry| entry.link.clone())
            .collect();
        let addr = RoomActor::new(
            room_id,
            self.engine.clone(),
            self.node.clone(),
            ctx.address(),
            subscribers,
        )
        .start();
        self.rooms.insert(room_id, addr.clone());
        addr
    }

    /// Tells every node (this one hears it too, and skips it by origin).
    fn publish(&self, control: Control) {
        let notice = ControlNotice {
            origin: self.node.id,
            control,
        };
        let Ok(payload) = serde_json::to_string(&notice) else {
            return;
        };
        let engine = self.engine.clone();
        actix::spawn(async move {
            if let Err(err) = engine.publish(Topic::Control, payload).await {
                tracing::warn!(error = %err, "control notice not published");
            }
        });
    }

    fn close_user(&mut self, user_id: UserId, keep: Option<KeyDigest>, code: u16) {
        let sessions = self.by_user.get(&user_id).into_iter().flatten();
        for entry in sessions.filter_map(|id| self.sessions.get(id)) {
            if keep.is_some_and(|keep| keep.ct_eq(&entry.key)) {
                continue;
            }
            entry.link.disconnect.do_send(Disconnect {
                code,
                reason: "key revoked",
            });
        }
    }

    fn membership_changed(&mut self, msg: MembershipChanged, ctx: &mut Context<Self>) {
        let sessions: Vec<SessionId> = self
            .by_user
            .get(&msg.user_id)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        if sessions.is_empty() {
            return;
        }
        let room = self.room(msg.room_id, ctx);
        for session_id in sessions {
            let Some(entry) = self.sessions.get_mut(&session_id) else {
                continue;
            };
            if msg.joined {
                entry.rooms.insert(msg.room_id);
                room.do_send(Subscribe {
                    link: entry.link.clone(),
                });
            } else {
                entry.rooms.remove(&msg.room_id);
                room.do_send(Unsubscribe { session_id });
            }
        }
    }
}

impl Actor for Registry {
    type Context = Context<Self>;

    /// Connects the node to the broker: everything it hears comes in as a stream.
    fn started(&mut self, ctx: &mut Context<Self>) {
        let (sink, inbound) = tokio::sync::mpsc::unbounded_channel();
        self.engine.start_broker(sink);
        ctx.add_stream(tokio_stream::wrappers::UnboundedReceiverStream::new(
            inbound,
        ));
    }
}

impl StreamHandler<Inbound> for Registry {
    fn handle(&mut self, inbound: Inbound, ctx: &mut Context<Self>) {
        match inbound {
            Inbound::Room { room_id, payload } => {
                if let Some(room) = self.rooms.get(&room_id) {
                    room.do_send(Remote { payload });
                }
            }
            Inbound::Control { payload } => {
                let Ok(notice) = serde_json::from_str::<ControlNotice>(&payload) else {
                    tracing::warn!("unreadable control notice");
                    return;
                };
                if notice.origin == self.node.id {
                    return;
                }
                match notice.control {
                    Control::CloseUser {
                        user_id,
                        keep,
                        code,
                    } => {
                        let keep = keep.as_deref().and_then(KeyDigest::from_hex);
                        self.close_user(user_id, keep, code);
                    }
                    Control::Membership {
                        room_id,
                        user_id,
                        joined,
                    } => {
                        let change = MembershipChanged {
                            room_id,
                            user_id,
                            joined,
                        };
                        self.membership_changed(change, ctx);
                    }
                }
            }
            Inbound::Resubscribed => {
                for room in self.rooms.values() {
                    room.do_send(CatchUp);
                }
            }
        }
    }

    /// The broker's stream ends only with the node.
    fn finished(&mut self, _: &mut Context<Self>) {}
}

impl Handler<ToRoom> for Registry {
    type Result = ResponseFuture<Result<Reply, ApiError>>;

    /// An actor may stop (idle) just as a request reaches it; the request then goes
    /// once more through the registry, which starts a fresh actor.
    fn handle(&mut self, msg: ToRoom, ctx: &mut Context<Self>) -> Self::Result {
        let room = self.room(msg.room_id, ctx);
        let registry = ctx.address();
        Box::pin(async move {
            let unavailable = || {
                ApiError::with_detail(
                    ErrorCode::ServiceUnavailable,
                    "The room is restarting; retry",
                )
            };
            match room.send(msg.execute.clone()).await {
                Ok(result) => result,
                Err(_) if !msg.retried => {
                    let retry = ToRoom {
                        retried: true,
                        ..msg
                    };
                    registry.send(retry).await.map_err(|_| unavailable())?
                }
                Err(_) => Err(unavailable()),
            }
        })
    }
}

impl Handler<Connect> for Registry {
    type Result = ResponseFuture<Vec<(RoomId, u64)>>;

    fn handle(&mut self, msg: Connect, ctx: &mut Context<Self>) -> Self::Result {
        let session_id = msg.link.session_id;
        let rooms: Vec<(RoomId, Addr<RoomActor>)> = msg
            .rooms
            .iter()
            .map(|&id| (id, self.room(id, ctx)))
            .collect();
        self.by_user
            .entry(msg.link.user_id)
            .or_default()
            .insert(session_id);
        self.sessions.insert(
            session_id,
            SessionEntry {
                link: msg.link.clone(),
                key: msg.key,
                rooms: msg.rooms.into_iter().collect(),
            },
        );
        let link = msg.link;
        Box::pin(async move {
            let subscriptions = rooms.into_iter().map(|(id, room)| {
                let link = link.clone();
                async move { (id, room.send(Subscribe { link }).await.ok().flatten()) }
            });
            join_all(subscriptions)
                .await
                .into_iter()
                .filter_map(|(id, seq)| seq.map(|seq| (id, seq)))
                .collect()
        })
    }
}

impl Handler<SessionClosed> for Registry {
    type Result = ();

    fn handle(&mut self, msg: SessionClosed, _: &mut Context<Self>) {
        let Some(entry) = self.sessions.remove(&msg.session_id) else {
            return;
        };
        if let Some(sessions) = self.by_user.get_mut(&entry.link.user_id) {
            sessions.remove(&msg.session_id);
            if sessions.is_empty() {
                self.by_user.remove(&entry.link.user_id);
            }
        }
        for room in entry.rooms {
            if let Some(addr) = self.rooms.get(&room) {
                addr.do_send(Unsubscribe {
                    session_id: msg.session_id,
                });
            }
        }
    }
}

impl Handler<MembershipChanged> for Registry {
    type Result = ();

    fn handle(&mut self, msg: MembershipChanged, ctx: &mut Context<Self>) {
        self.publish(Control::Membership {
            room_id: msg.room_id,
            user_id: msg.user_id,
            joined: msg.joined,
        });
        self.membership_changed(msg, ctx);
    }
}

impl Handler<CloseUserSessions> for Registry {
    type Result = ();

    fn handle(&mut self, msg: CloseUserSessions, _: &mut Context<Self>) {
        self.publish(Control::close_user(msg.user_id, msg.keep, msg.code));
        self.close_user(msg.user_id, msg.keep, msg.code);
    }
}

impl Handler<RoomStopped> for Registry {
    type Result = ();

    fn handle(&mut self, msg: RoomStopped, _: &mut Context<Self>) {
        if self.rooms.get(&msg.room_id) == Some(&msg.addr) {
            self.rooms.remove(&msg.room_id);
        }
        if msg.deleted {
            for entry in self.sessions.values_mut() {
                entry.rooms.remove(&msg.room_id);
            }
        }
    }
}

impl Handler<Shutdown> for Registry {
    type Result = ();

    fn handle(&mut self, _: Shutdown, _: &mut Context<Self>) {
        for entry in self.sessions.values() {
            entry.link.disconnect.do_send(Disconnect {
                code: close::RESTARTING,
                reason: "server restarting",
            });
        }
    }
}
