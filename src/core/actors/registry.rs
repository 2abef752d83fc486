//! The registry: one per node. It owns the room actors (started on first use, started
//! again if one stops, stopped when idle) and the table of sessions by user and by
//! room, which is what a restarted room actor is rebuilt from, and what closes a
//! user's sockets on revocation.
//!
//! It is also the node's end of the broker: room payloads go to the room's actor (if
//! this node has one), control notices are acted on, and after a subscriber reconnect
//! every room catches up from the store. Revocations and membership changes made here
//! are published on the control channel so every node acts on them.

use std::{
    collections::{hash_map::Entry, HashMap, HashSet},
    future::Future,
    sync::Arc,
    time::Duration,
};

use actix::{
    Actor, ActorFutureExt, Addr, AsyncContext, Context, Handler, MessageResult, ResponseActFuture,
    ResponseFuture, StreamHandler, WrapFuture,
};
use bytestring::ByteString;
use chrono::Utc;
use futures_util::future::join_all;

use super::{
    cluster::{Control, ControlNotice, NodeInfo},
    messages::{
        CatchUp, Census, CloseReason, CloseUserSessions, Connect, Deliver, Disconnect, Execute,
        ForgetCallers, Headcount, MembershipChanged, NotifyUsers, RegistryLink, Remote,
        RoomDeleted, RoomIdle, SessionClosed, SessionLink, Shutdown, StopRoom, Subscribe, ToRoom,
        Unsubscribe,
    },
    room::RoomActor,
    Tell,
};
use crate::{
    core::{rooms::RoomRequest, ApiError, ErrorCode},
    domain::{
        ids::{RoomId, SessionId, UserId},
        keys::{is_live, KeyDigest},
    },
    engine::{Inbound, SharedEngine, Topic},
};

/// How often every session's key is read again, in case a revocation notice was lost.
pub const KEY_RECHECK_INTERVAL: Duration = Duration::from_secs(30);

pub struct Registry {
    /// Handed to every room actor it starts.
    engine: SharedEngine,
    /// This node: its id tells its own control notices from other nodes'.
    node: Arc<NodeInfo>,
    /// The running room actors, each with the requests forwarded to it and not yet
    /// answered: an actor is stopped only when that count is zero.
    rooms: HashMap<RoomId, RoomEntry>,
    /// Every authenticated session on this node.
    sessions: HashMap<SessionId, SessionEntry>,
    /// The same sessions by user, for revocations and membership changes.
    by_user: HashMap<UserId, HashSet<SessionId>>,
    /// Numbers the room actors it starts, so an idle notice names the actor it is of.
    generations: u64,
}

struct RoomEntry {
    addr: Addr<RoomActor>,
    generation: u64,
    /// Requests forwarded and not yet answered.
    in_flight: usize,
}

struct SessionEntry {
    link: SessionLink,
    /// The key it authenticated with: a rotation closes every session but its own.
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
            generations: 0,
        }
    }

    /// The room's actor, started (with the sessions subscribed to it) if it is not
    /// running: this is both the lazy start and the restart after a stop.
    fn room(&mut self, room_id: RoomId, ctx: &mut Context<Self>) -> &mut RoomEntry {
        let generation = &mut self.generations;
        let mut start = || {
            *generation += 1;
            let registry = ctx.address();
            let link = RegistryLink {
                idle: registry.clone().recipient(),
                membership: registry.clone().recipient(),
                deleted: registry.recipient(),
            };
            let subscribers = self
                .sessions
                .values()
                .filter(|entry| entry.rooms.contains(&room_id))
                .map(|entry| entry.link.clone())
                .collect();
            let room = RoomActor::new(
                room_id,
                *generation,
                self.engine.clone(),
                self.node.clone(),
                link,
                subscribers,
            );
            RoomEntry {
                addr: room.start(),
                generation: *generation,
                in_flight: 0,
            }
        };
        match self.rooms.entry(room_id) {
            Entry::Occupied(mut running) => {
                if !running.get().addr.connected() {
                    running.insert(start());
                }
                running.into_mut()
            }
            Entry::Vacant(vacant) => vacant.insert(start()),
        }
    }

    /// Tells every node (this one hears it too, and skips it by origin).
    fn publish(&self, control: Control) {
        actix::spawn(self.published(control));
    }

    /// Publishes a control notice; the future ends once Redis has taken it (it is
    /// then on its way to every node's subscriber), or failed to.
    fn published(&self, control: Control) -> impl Future<Output = ()> + 'static {
        let notice = ControlNotice {
            origin: self.node.id,
            control,
        };
        let payload = serde_json::to_string(&notice);
        let engine = self.engine.clone();
        async move {
            let payload = match payload {
                Ok(payload) => payload,
                Err(err) => return tracing::error!(error = %err, "control notice not encoded"),
            };
            if let Err(err) = engine.publish(Topic::Control, payload).await {
                tracing::warn!(error = %err, "control notice not published");
            }
        }
    }

    fn close_user(&mut self, user_id: UserId, keep: Option<KeyDigest>, reason: CloseReason) {
        let sessions = self.by_user.get(&user_id).into_iter().flatten();
        for entry in sessions.filter_map(|id| self.sessions.get(id)) {
            if keep.is_some_and(|keep| keep.ct_eq(&entry.key)) {
                continue;
            }
            entry.link.disconnect.tell(Disconnect { reason });
        }
    }

    /// Sends a frame to every local session of these users; a session too slow to
    /// take it is closed, as a room would close it.
    fn notify(&self, user_ids: &[UserId], frame: &ByteString) {
        let sessions = user_ids
            .iter()
            .filter_map(|user| self.by_user.get(user))
            .flatten();
        for entry in sessions.filter_map(|id| self.sessions.get(id)) {
            entry.link.offer(Deliver::one(frame.clone()));
        }
    }

    /// Refreshes the connection entries of every session here (on a timer shorter
    /// than their TTL), so users count as connected while their sockets live.
    fn refresh_connections(&self) {
        let sessions: Vec<(UserId, SessionId)> = self
            .sessions
            .iter()
            .map(|(id, entry)| (entry.link.user_id, *id))
            .collect();
        if sessions.is_empty() {
            return;
        }
        let (engine, node) = (self.engine.clone(), self.node.clone());
        actix::spawn(async move {
            let refreshed = engine
                .connections_refresh(&node.name, &sessions, node.presence_ttl)
                .await;
            if let Err(err) = refreshed {
                tracing::warn!(error = %err, "connections not refreshed");
            }
        });
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
        let room = self.room(msg.room_id, ctx).addr.clone();
        for session_id in sessions {
            let Some(entry) = self.sessions.get_mut(&session_id) else {
                continue;
            };
            if msg.joined {
                entry.rooms.insert(msg.room_id);
                let link = entry.link.clone();
                room.tell(Subscribe {
                    link,
                    after: msg.after,
                });
            } else {
                entry.rooms.remove(&msg.room_id);
                room.tell(Unsubscribe { session_id });
            }
        }
    }
}

impl Registry {
    /// Reads the keys of every session on this node (in batches, one round trip per
    /// batch on Redis) and closes the sessions whose key is no longer live. This bounds
    /// what a lost revocation notice can cost: it runs every [`KEY_RECHECK_INTERVAL`]
    /// and whenever the broker reconnects (notices may have been missed).
    /// The digests are this node's own records of its sessions, not a caller's guess,
    /// so they are grouped in a set rather than compared in constant time.
    fn recheck_keys(&mut self, ctx: &mut Context<Self>) {
        let keys: Vec<KeyDigest> = self
            .sessions
            .values()
            .map(|entry| entry.key)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if keys.is_empty() {
            return;
        }
        let engine = self.engine.clone();
        ctx.spawn(
            async move { engine.find_keys(&keys).await.map(|records| (keys, records)) }
                .into_actor(self)
                .map(|found, act, _| {
                    let (keys, records) = match found {
                        Ok(found) => found,
                        Err(err) => {
                            return tracing::warn!(error = %err, "session keys not re-checked")
                        }
                    };
                    let now = Utc::now();
                    let dead: HashSet<KeyDigest> = keys
                        .into_iter()
                        .zip(&records)
                        .filter(|(_, record)| !is_live(record.as_ref(), now))
                        .map(|(key, _)| key)
                        .collect();
                    let closing = act.sessions.iter().filter(|(_, e)| dead.contains(&e.key));
                    for (session, entry) in closing {
                        tracing::info!(session_id = %session, "session's key is no longer live");
                        entry.link.disconnect.tell(Disconnect {
                            reason: CloseReason::KeyRevoked,
                        });
                    }
                }),
        );
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
        ctx.run_interval(KEY_RECHECK_INTERVAL, |act, ctx| act.recheck_keys(ctx));
        ctx.run_interval(self.node.presence_ttl / 3, |act, _| {
            act.refresh_connections()
        });
    }
}

impl StreamHandler<Inbound> for Registry {
    fn handle(&mut self, inbound: Inbound, ctx: &mut Context<Self>) {
        match inbound {
            Inbound::Room { room_id, payload } => {
                if let Some(room) = self.rooms.get(&room_id) {
                    room.addr.tell(Remote { payload });
                }
            }
            Inbound::Control { payload } => {
                let notice = match serde_json::from_str::<ControlNotice>(&payload) {
                    Ok(notice) => notice,
                    Err(err) => return tracing::warn!(error = %err, "unreadable control notice"),
                };
                if notice.origin == self.node.id {
                    return;
                }
                match notice.control {
                    Control::CloseUser {
                        user_id,
                        keep,
                        reason,
                    } => {
                        let keep = keep.as_deref().and_then(KeyDigest::from_hex);
                        // A revocation elsewhere: the key must stop working here too.
                        self.node.callers.forget_user(user_id);
                        self.close_user(user_id, keep, reason);
                    }
                    Control::ForgetCallers { client_id, user_id } => match user_id {
                        Some(user_id) => self.node.callers.forget_user(user_id),
                        None => self.node.callers.forget_client(client_id),
                    },
                    Control::Membership {
                        room_id,
                        user_id,
                        joined,
                        after,
                    } => {
                        let change = MembershipChanged {
                            room_id,
                            user_id,
                            joined,
                            after,
                        };
                        self.membership_changed(change, ctx);
                    }
                    Control::Notify { user_ids, frame } => {
                        self.notify(&user_ids, &ByteString::from(frame));
                    }
                }
            }
            Inbound::Lost => self.node.callers.suspend(),
            Inbound::Resubscribed => {
                self.node.callers.resume();
                self.node.metrics.pubsub_reconnects.inc();
                for room in self.rooms.values() {
                    room.addr.tell(CatchUp);
                }
                self.recheck_keys(ctx);
            }
        }
    }

    /// The broker's stream ends only with the node.
    fn finished(&mut self, _: &mut Context<Self>) {}
}

impl<C: RoomRequest> Handler<ToRoom<C>> for Registry
where
    RoomActor: Handler<Execute<C>>,
{
    type Result = ResponseActFuture<Self, Result<C::Output, ApiError>>;

    /// Counts the request as in flight until the room answers, so the room is not
    /// stopped with the request in its mailbox.
    fn handle(&mut self, msg: ToRoom<C>, ctx: &mut Context<Self>) -> Self::Result {
        let room_id = msg.room_id;
        let entry = self.room(room_id, ctx);
        entry.in_flight += 1;
        let addr = entry.addr.clone();
        Box::pin(
            addr.clone()
                .send(msg.execute)
                .into_actor(self)
                .map(move |answer, act, _| {
                    if let Some(entry) = act.rooms.get_mut(&room_id).filter(|e| e.addr == addr) {
                        entry.in_flight -= 1;
                    }
                    answer.map_err(|_| {
                        tracing::error!(%room_id, "room actor stopped with a request in flight");
                        ApiError::with_detail(
                            ErrorCode::ServiceUnavailable,
                            "The room is restarting; retry",
                        )
                    })?
                }),
        )
    }
}

impl Handler<Connect> for Registry {
    type Result = ResponseFuture<Vec<(RoomId, u64)>>;

    fn handle(&mut self, msg: Connect, ctx: &mut Context<Self>) -> Self::Result {
        let session_id = msg.link.session_id;
        let rooms: Vec<(RoomId, Addr<RoomActor>)> = msg
            .rooms
            .iter()
            .map(|&id| (id, self.room(id, ctx).addr.clone()))
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
        let (engine, node) = (self.engine.clone(), self.node.clone());
        Box::pin(async move {
            // Recorded before the session hears `ready`, so from then on a
            // notification counts it as connected.
            let session = [(link.user_id, session_id)];
            let recorded = engine
                .connections_refresh(&node.name, &session, node.presence_ttl)
                .await;
            if let Err(err) = recorded {
                tracing::warn!(error = %err, "connection not recorded");
            }
            let subscriptions = rooms.into_iter().map(|(id, room)| {
                let link = link.clone();
                async move {
                    match room.send(Subscribe { link, after: None }).await {
                        Ok(seq) => seq.map(|seq| (id, seq)),
                        Err(_) => {
                            tracing::warn!(room_id = %id, "room stopped while subscribing");
                            None
                        }
                    }
                }
            });
            join_all(subscriptions)
                .await
                .into_iter()
                .flatten()
                .collect()
        })
    }
}

impl Handler<Census> for Registry {
    type Result = MessageResult<Census>;

    fn handle(&mut self, _: Census, _: &mut Context<Self>) -> Self::Result {
        let rooms: HashSet<RoomId> = self
            .sessions
            .values()
            .flat_map(|entry| entry.rooms.iter().copied())
            .collect();
        MessageResult(Headcount {
            sessions: self.sessions.len(),
            rooms: rooms.len(),
        })
    }
}

impl Handler<SessionClosed> for Registry {
    type Result = ();

    fn handle(&mut self, msg: SessionClosed, _: &mut Context<Self>) {
        let Some(entry) = self.sessions.remove(&msg.session_id) else {
            return;
        };
        let user_id = entry.link.user_id;
        if let Some(sessions) = self.by_user.get_mut(&user_id) {
            sessions.remove(&msg.session_id);
            if sessions.is_empty() {
                self.by_user.remove(&user_id);
            }
        }
        let (engine, node, session_id) = (self.engine.clone(), self.node.clone(), msg.session_id);
        actix::spawn(async move {
            let removed = engine
                .connections_remove(&node.name, user_id, session_id)
                .await;
            if let Err(err) = removed {
                tracing::warn!(error = %err, "connection not removed");
            }
        });
        for room in entry.rooms {
            if let Some(room) = self.rooms.get(&room) {
                let session_id = msg.session_id;
                room.addr.tell(Unsubscribe { session_id });
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
            after: msg.after,
        });
        self.membership_changed(msg, ctx);
    }
}

impl Handler<NotifyUsers> for Registry {
    type Result = ();

    fn handle(&mut self, msg: NotifyUsers, _: &mut Context<Self>) {
        self.notify(&msg.user_ids, &msg.frame);
        self.publish(Control::Notify {
            user_ids: msg.user_ids,
            frame: msg.frame.to_string(),
        });
    }
}

impl Handler<ForgetCallers> for Registry {
    type Result = ResponseFuture<()>;

    /// Answers once the notice is published: the request that changed the caller is
    /// answered after every node was sent it, not before.
    fn handle(&mut self, msg: ForgetCallers, _: &mut Context<Self>) -> Self::Result {
        Box::pin(self.published(Control::ForgetCallers {
            client_id: msg.client_id,
            user_id: msg.user_id,
        }))
    }
}

impl Handler<CloseUserSessions> for Registry {
    type Result = ResponseFuture<()>;

    /// Answers once the notice (if it is this message's to send) is published, as
    /// [`ForgetCallers`] does.
    fn handle(&mut self, msg: CloseUserSessions, _: &mut Context<Self>) -> Self::Result {
        self.close_user(msg.user_id, msg.keep, msg.reason);
        if !msg.announce {
            return Box::pin(std::future::ready(()));
        }
        Box::pin(self.published(Control::close_user(msg.user_id, msg.keep, msg.reason)))
    }
}

impl Handler<RoomIdle> for Registry {
    type Result = ();

    /// Stops the actor if it is still the room's, no request is on its way to it and
    /// no session here is subscribed to the room. Forgetting it first means whatever
    /// comes next for the room starts a fresh actor, and `StopRoom` reaches the old
    /// one behind everything already sent to it.
    fn handle(&mut self, msg: RoomIdle, _: &mut Context<Self>) {
        let idle = self
            .rooms
            .get(&msg.room_id)
            .is_some_and(|entry| entry.generation == msg.generation && entry.in_flight == 0);
        let watched = self
            .sessions
            .values()
            .any(|entry| entry.rooms.contains(&msg.room_id));
        if !idle || watched {
            return;
        }
        if let Some(entry) = self.rooms.remove(&msg.room_id) {
            entry.addr.tell(StopRoom);
        }
    }
}

impl Handler<RoomDeleted> for Registry {
    type Result = ();

    fn handle(&mut self, msg: RoomDeleted, _: &mut Context<Self>) {
        for entry in self.sessions.values_mut() {
            entry.rooms.remove(&msg.room_id);
        }
    }
}

impl Handler<Shutdown> for Registry {
    type Result = ();

    fn handle(&mut self, _: Shutdown, _: &mut Context<Self>) {
        for entry in self.sessions.values() {
            entry.link.disconnect.tell(Disconnect {
                reason: CloseReason::Restarting,
            });
        }
    }
}
