//! The room actor: the one place on a node that orders a room's events. It handles one
//! [`Execute`] at a time (an atomic response), so a request's write to the store and
//! the fan-out of its event finish before the next request starts. Sends are the one
//! exception: those that arrive while the room is busy are committed together
//! (`commit.rs`), still in their order. Each event is serialized once and the same
//! bytes go to every local session.
//!
//! Across nodes: new messages are delivered strictly in `seq` order. A message this
//! node appended goes out at once when it is the next `seq`. The store's
//! `{"seq": N, "message": …}` notices bring messages appended elsewhere, delivered from
//! the notice itself when they are next; any gap (a notice overtaken, or lost while the
//! broker reconnected) is filled from the store before anything later is sent. Other
//! events are published as encoded frames and fanned out as they come.

mod commit;

use std::{
    collections::HashMap,
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use actix::{
    Actor, ActorContext, ActorFutureExt, AsyncContext, AtomicResponse, Context, Handler,
    SpawnHandle, WrapFuture,
};
use bytestring::ByteString;

use super::{
    cluster::{NodeInfo, RoomNotice},
    messages::{
        CatchUp, Deliver, Execute, Framed, MembershipChanged, RegistryLink, Remote, RoomDeleted,
        RoomIdle, SessionLink, StopRoom, Subscribe, Unsubscribe,
    },
    Tell,
};
use crate::{
    core::{
        events::Event,
        rooms::{Effects, MemberChange, RoomChange, RoomCommand, RoomContext},
        views::MessageBody,
        webhooks, ApiError,
    },
    domain::{
        ids::{ClientId, RoomId, SessionId, UserId},
        message::{HistoryRange, Message},
    },
    engine::{EngineError, SharedEngine, Topic},
};

/// Typing indicators lapse after this long without a refresh.
pub const TYPING_TIMEOUT: Duration = Duration::from_secs(6);
/// A room with no local session stops after this long without a request.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// An actor for an id with no room (a typo, a probe) stops much sooner, so such
/// requests cannot pile up actors.
const MISSING_ROOM_TIMEOUT: Duration = Duration::from_secs(1);
/// Most frames in one delivery to a session: the sessions' queue bound
/// (`OUTBOUND_QUEUE` deliveries) then bounds their memory in frames too.
pub const FRAMES_PER_DELIVERY: usize = 64;
/// Messages read from the store per catch-up; a longer gap takes several.
const CATCH_UP_BATCH: usize = 500;

pub struct RoomActor {
    /// The one room this actor orders.
    room_id: RoomId,
    /// Which of the room's actors on this node this is, named when it reports idle.
    generation: u64,
    /// Where commands write and catch-ups read.
    engine: SharedEngine,
    /// This node: its id marks the events it publishes, its name its presence.
    node: Arc<NodeInfo>,
    /// The supervisor, told of membership changes, idleness and deletion.
    registry: RegistryLink,
    /// The room's client, once read: its analytics count this node's deliveries.
    client_id: Option<ClientId>,
    /// Whether the room exists (as loaded at start, created or deleted since). Requests
    /// read the room itself from the store; this only decides subscriptions and idling.
    exists: bool,
    /// The room's member count, re-read whenever membership changes here or on another
    /// node (their `member.*` notices) and after the broker reconnects.
    /// Above [`NodeInfo::presence_events_max_members`] no `presence` frames are sent.
    member_count: u64,
    /// The highest `seq` delivered to this node's sessions: they have every message
    /// up to it, in order. A new session starts from here.
    last_seq: u64,
    /// This node's sessions in the room: who every event is fanned out to.
    subscribers: HashMap<SessionId, SessionLink>,
    /// Who is typing, with the timer that clears it.
    typing: HashMap<UserId, SpawnHandle>,
    /// When the last command arrived: an actor idle long enough asks to be stopped.
    last_request: Instant,
    /// Sends waiting for the next group commit, in arrival order.
    queued_sends: Vec<commit::Pending>,
}

impl RoomActor {
    pub fn new(
        room_id: RoomId,
        generation: u64,
        engine: SharedEngine,
        node: Arc<NodeInfo>,
        registry: RegistryLink,
        subscribers: Vec<SessionLink>,
    ) -> Self {
        Self {
            room_id,
            generation,
            engine,
            node,
            registry,
            client_id: None,
            exists: false,
            member_count: 0,
            last_seq: 0,
            subscribers: subscribers.into_iter().map(|l| (l.session_id, l)).collect(),
            typing: HashMap::new(),
            last_request: Instant::now(),
            queued_sends: Vec::new(),
        }
    }

    /// Whether per-user `presence` frames go out: only in rooms small enough that
    /// each connect reaching every member stays cheap (`API.md` §6).
    fn announces_presence(&self) -> bool {
        self.member_count <= self.node.presence_events_max_members
    }

    fn is_online(&self, user: UserId) -> bool {
        self.subscribers.values().any(|link| link.user_id == user)
    }

    /// Adds or refreshes the presence entries of `sessions` (every subscriber, on the
    /// heartbeat). A failure only delays presence: logged.
    fn refresh_presence(&self, sessions: Vec<(UserId, SessionId)>) {
        let engine = self.engine.clone();
        let node = self.node.clone();
        let room = self.room_id;
        actix::spawn(async move {
            let refreshed = engine
                .presence_refresh(&node.name, room, &sessions, node.presence_ttl)
                .await;
            if let Err(err) = refreshed {
                tracing::warn!(error = %err, "presence not refreshed");
            }
        });
    }

    /// Re-reads the member count. `wait` holds the room's requests meanwhile, so the
    /// next presence change is judged by the new count. A failed read keeps the old
    /// count: it only decides whether presence frames go out.
    fn recount_members(&self, ctx: &mut Context<Self>) {
        let engine = self.engine.clone();
        let room_id = self.room_id;
        ctx.wait(
            async move { engine.get_room(room_id).await }
                .into_actor(self)
                .map(|read, act, _| match read {
                    Ok(Some((_, stats))) => act.member_count = stats.member_count,
                    Ok(None) => {}
                    Err(err) => tracing::warn!(error = %err, "member count not read"),
                }),
        );
    }

    /// Records a session joining (`online`) or leaving the room's presence, then tells
    /// the room if the user's online state changed. `wait` holds the room's requests
    /// meanwhile, so a presence query never runs ahead of the change.
    fn change_presence(
        &mut self,
        user: UserId,
        session: SessionId,
        online: bool,
        announce: bool,
        ctx: &mut Context<Self>,
    ) {
        let engine = self.engine.clone();
        let node = self.node.clone();
        let room_id = self.room_id;
        ctx.wait(
            async move {
                if online {
                    let sessions = [(user, session)];
                    engine
                        .presence_refresh(&node.name, room_id, &sessions, node.presence_ttl)
                        .await
                } else {
                    engine
                        .presence_remove(&node.name, room_id, user, session)
                        .await
                }
            }
            .into_actor(self)
            .map(move |result, act, _| {
                if let Err(err) = result {
                    tracing::warn!(error = %err, "presence not recorded");
                }
                if announce && act.announces_presence() {
                    act.emit(&Event::Presence {
                        room_id,
                        user_id: user,
                        online,
                    });
                }
            }),
        );
    }

    /// Sends encoded frames, as one batch, to every local subscriber. A session whose
    /// queue is full is too slow: it is dropped from the room and closed with 4009, so
    /// it never holds the room back nor grows this node's memory.
    /// `ready` is when the frames were stored (or arrived from another node): the
    /// fan-out latency runs from there to the last local session handed them.
    fn fan_out(&mut self, frames: Vec<Framed>, ready: Instant) {
        if frames.is_empty() {
            return;
        }
        let messages = frames.iter().filter(|f| f.stream.is_some()).count() as u64;
        let count = frames.len() as u64;
        let batches = deliveries(frames);
        let mut gone = Vec::new();
        for (id, link) in &self.subscribers {
            if !batches.iter().all(|batch| link.offer(batch.clone())) {
                gone.push(*id);
            }
        }
        let metrics = &self.node.metrics;
        let handed = (self.subscribers.len() - gone.len()) as u64;
        metrics.deliveries.inc_by(handed * count);
        metrics
            .fanout_latency
            .observe(ready.elapsed().as_secs_f64());
        if let Some(client) = self.client_id.filter(|_| messages > 0) {
            self.node.load.delivered(client, handed * messages);
        }
        for id in gone {
            self.subscribers.remove(&id);
        }
    }

    /// Delivers an event that is not a new message here, and publishes it for the
    /// other nodes' sessions.
    fn emit(&mut self, event: &Event) {
        let Some(frame) = event.encode() else {
            return;
        };
        let framed = Framed {
            stream: None,
            frame: frame.clone(),
        };
        self.fan_out(vec![framed], Instant::now());
        let notice = RoomNotice {
            origin: Some(self.node.id),
            frame: Some(frame.to_string()),
            deleted: matches!(event, Event::RoomDeleted { .. }),
            members_changed: matches!(event, Event::MemberJoined { .. } | Event::MemberLeft { .. }),
            ..RoomNotice::default()
        };
        let payload = match serde_json::to_string(&notice) {
            Ok(payload) => payload,
            Err(err) => return tracing::error!(error = %err, "room notice not encoded"),
        };
        let engine = self.engine.clone();
        let topic = Topic::Room(self.room_id);
        actix::spawn(async move {
            if let Err(err) = engine.publish(topic, payload).await {
                tracing::warn!(error = %err, "room event not published to other nodes");
            }
        });
    }

    /// Delivers new messages this node appended, in `seq` order and as one batch:
    /// at once while each is next; from the first gap on (another node's message came
    /// first) the rest come from the store, after the gap is filled.
    fn deliver_messages<'e>(
        &mut self,
        messages: impl IntoIterator<Item = (u64, &'e Event)>,
        ready: Instant,
        ctx: &mut Context<Self>,
    ) {
        let mut batch = Vec::new();
        let mut gap = false;
        for (seq, event) in messages {
            if seq == self.last_seq + 1 {
                if let Some(frame) = event.encode() {
                    batch.push(Framed {
                        stream: Some((self.room_id, seq)),
                        frame,
                    });
                }
                self.last_seq = seq;
            } else if seq > self.last_seq {
                gap = true;
                break;
            }
        }
        self.fan_out(batch, ready);
        if gap {
            self.catch_up(ctx);
        }
    }

    /// Sends one session, in order, the messages in `after + 1 ..= last_seq`: those of
    /// a room its user joined that were sent before the session was subscribed (on
    /// another node, before this one heard the room). `wait` holds every other
    /// request, so no live message overtakes them; the session drops any it has sent.
    /// At most [`CATCH_UP_BATCH`]: a client that missed more sees the gap in `seq` and
    /// `sync`s.
    fn catch_up_session(&mut self, session: SessionId, after: u64, ctx: &mut Context<Self>) {
        let upto = self.last_seq;
        let wanted =
            usize::try_from(upto - after).map_or(CATCH_UP_BATCH, |n| n.min(CATCH_UP_BATCH));
        ctx.wait(self.history_after(after, wanted).into_actor(self).map(
            move |result, act, _| {
                let messages = match result {
                    Ok(messages) => messages,
                    Err(err) => {
                        tracing::warn!(room_id = %act.room_id, error = %err, "join catch-up failed");
                        return;
                    }
                };
                let frames: Vec<Framed> = messages
                    .iter()
                    .filter(|message| message.seq <= upto)
                    .filter_map(stored_frame)
                    .collect();
                if let Some(link) = act.subscribers.get(&session) {
                    for batch in deliveries(frames) {
                        link.offer(batch);
                    }
                }
            },
        ));
    }

    /// The stored messages after `after`, at most `limit`: what both catch-ups read.
    fn history_after(
        &self,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Message>, EngineError>> + 'static {
        let engine = self.engine.clone();
        let room = self.room_id;
        async move {
            engine
                .list_messages(room, HistoryRange::After(after), limit)
                .await
        }
    }

    /// Delivers, in order, every message the store holds beyond `last_seq`. `wait`
    /// holds every other request until it is done, so nothing overtakes it.
    fn catch_up(&mut self, ctx: &mut Context<Self>) {
        ctx.wait(
            self.history_after(self.last_seq, CATCH_UP_BATCH)
                .into_actor(self)
                .map(|result, act, ctx| match result {
                    Ok(messages) => {
                        let ready = Instant::now();
                        let full = messages.len() == CATCH_UP_BATCH;
                        let mut batch = Vec::with_capacity(messages.len());
                        for message in messages {
                            if message.seq != act.last_seq + 1 {
                                break;
                            }
                            batch.extend(stored_frame(&message));
                            act.last_seq = message.seq;
                            act.node.metrics.gaps_repaired.inc();
                        }
                        act.fan_out(batch, ready);
                        if full {
                            act.catch_up(ctx);
                        }
                    }
                    Err(err) => {
                        tracing::warn!(room_id = %act.room_id, error = %err, "catch-up failed")
                    }
                }),
        );
    }

    /// Reads whether the room exists and where its messages stand.
    fn load(&mut self, ctx: &mut Context<Self>) {
        let engine = self.engine.clone();
        let room_id = self.room_id;
        ctx.wait(
            async move { engine.get_room(room_id).await }
                .into_actor(self)
                .map(|loaded, act, _| match loaded {
                    Ok(Some((room, stats))) => {
                        act.client_id = Some(room.client_id);
                        act.exists = true;
                        act.last_seq = stats.last_seq;
                        act.member_count = stats.member_count;
                    }
                    Ok(None) => {}
                    Err(err) => {
                        tracing::warn!(room_id = %act.room_id, error = %err, "room not loaded")
                    }
                }),
        );
    }

    fn set_typing(&mut self, user: UserId, is_typing: bool, ctx: &mut Context<Self>) {
        if let Some(timer) = self.typing.remove(&user) {
            ctx.cancel_future(timer);
        }
        if is_typing {
            let timer = ctx.run_later(TYPING_TIMEOUT, move |act, _| {
                act.typing.remove(&user);
                act.emit(&Event::Typing {
                    room_id: act.room_id,
                    user_id: user,
                    is_typing: false,
                });
            });
            self.typing.insert(user, timer);
        }
    }

    /// Applies what a command changed, in this order: state, events, subscriptions.
    fn apply(&mut self, effects: Effects, ctx: &mut Context<Self>) {
        if let Some((user, is_typing)) = effects.typing {
            self.set_typing(user, is_typing, ctx);
        }
        let ready = Instant::now();
        for event in &effects.events {
            match event.stream_seq() {
                Some(seq) => self.deliver_messages([(seq, event)], ready, ctx),
                None => self.emit(event),
            }
        }
        if !effects.memberships.is_empty() {
            self.recount_members(ctx);
        }
        for (user_id, change) in effects.memberships {
            let (joined, after) = match change {
                MemberChange::Joined { after } => (true, Some(after)),
                MemberChange::Left => (false, None),
            };
            self.registry.membership.tell(MembershipChanged {
                room_id: self.room_id,
                user_id,
                joined,
                after,
            });
        }
        match effects.room {
            RoomChange::Unchanged => {}
            RoomChange::Created => self.exists = true,
            RoomChange::Deleted => self.forget(ctx),
        }
    }

    /// After a deletion (its `room.deleted` already fanned out): the room's sessions
    /// are let go, and the actor lingers only as long as a missing room's, answering
    /// `ROOM_NOT_FOUND` to whatever was already on its way.
    fn forget(&mut self, ctx: &mut Context<Self>) {
        self.exists = false;
        if !self.subscribers.is_empty() {
            self.engine.unsubscribe(self.room_id);
        }
        self.subscribers.clear();
        for (_, timer) in self.typing.drain() {
            ctx.cancel_future(timer);
        }
        self.registry.deleted.tell(RoomDeleted {
            room_id: self.room_id,
        });
    }
}

impl Actor for RoomActor {
    type Context = Context<Self>;

    /// Loads the room before any request is handled (`wait` holds the mailbox), and
    /// listens to the room's channel if sessions are already waiting (a restart). The
    /// later `wait` runs first: the room is heard before it is read, so no message
    /// falls between the two.
    fn started(&mut self, ctx: &mut Context<Self>) {
        self.load(ctx);
        if !self.subscribers.is_empty() {
            let engine = self.engine.clone();
            let room_id = self.room_id;
            ctx.wait(async move { engine.subscribe(room_id).await }.into_actor(self));
        }
        // Refreshed three times per TTL, so one late refresh never lets an entry lapse.
        ctx.run_interval(self.node.presence_ttl / 3, |act, _| {
            if act.subscribers.is_empty() {
                return;
            }
            let sessions = act
                .subscribers
                .values()
                .map(|l| (l.user_id, l.session_id))
                .collect();
            act.refresh_presence(sessions);
        });
        ctx.run_interval(MISSING_ROOM_TIMEOUT, |act, _| {
            let limit = if act.exists {
                IDLE_TIMEOUT
            } else {
                MISSING_ROOM_TIMEOUT
            };
            if act.subscribers.is_empty() && act.last_request.elapsed() >= limit {
                act.registry.idle.tell(RoomIdle {
                    room_id: act.room_id,
                    generation: act.generation,
                });
            }
        });
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        if !self.subscribers.is_empty() {
            self.engine.unsubscribe(self.room_id);
        }
    }
}

impl<C: RoomCommand> Handler<Execute<C>> for RoomActor {
    type Result = AtomicResponse<Self, Result<C::Output, ApiError>>;

    /// Runs the command to completion before the next one starts, then applies its
    /// effects (only if it succeeded). Sends queued before it are committed first.
    fn handle(&mut self, msg: Execute<C>, _: &mut Context<Self>) -> Self::Result {
        self.last_request = Instant::now();
        let context = RoomContext {
            engine: self.engine.clone(),
            room_id: self.room_id,
            not_found: msg.command.target().not_found(),
            caller: msg.caller,
            node: self.node.clone(),
        };
        let command = msg.command;
        let client = context.caller.client().id;
        let run = async move {
            let mut effects = Effects::default();
            let result = command.run(&context, &mut effects).await;
            // Into the webhook outboxes before the next command runs: in order.
            if result.is_ok() {
                let created = matches!(effects.room, RoomChange::Created)
                    .then(|| serde_json::json!({ "room_id": context.room_id }));
                let client = context.caller.client().id;
                webhooks::room_events(context.engine.as_ref(), client, created, &effects.events)
                    .await;
            }
            (result, effects)
        };
        AtomicResponse::new(Box::pin(self.commit_sends().then(move |(), act, _| {
            run.into_actor(act).map(move |(result, effects), act, ctx| {
                if result.is_ok() {
                    if matches!(effects.room, RoomChange::Created) {
                        act.client_id = Some(client);
                    }
                    act.apply(effects, ctx);
                }
                result
            })
        })))
    }
}

impl Handler<StopRoom> for RoomActor {
    type Result = ();

    fn handle(&mut self, _: StopRoom, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl Handler<Subscribe> for RoomActor {
    type Result = AtomicResponse<Self, Option<u64>>;

    /// The first local subscriber starts this node listening to the room. Until then
    /// nobody here was waiting for the room's messages, so delivery starts from the
    /// store's last `seq` rather than from whatever this actor saw last. Atomic: a
    /// send that arrives after the subscription (a member's first message after a
    /// join) must not be committed while that read is on its way, or it would land
    /// below the session's starting point and never be delivered live. The room is
    /// heard before it is read, for the same reason across nodes: a message appended
    /// elsewhere between the read and the subscription would be announced to no one.
    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) -> Self::Result {
        let first = self.subscribers.is_empty();
        let engine = self.engine.clone();
        let room_id = self.room_id;
        AtomicResponse::new(Box::pin(
            async move {
                if !first {
                    return None;
                }
                engine.subscribe(room_id).await;
                match engine.get_room(room_id).await {
                    Ok(room) => room,
                    Err(err) => {
                        // Delivery then starts from what this actor saw last.
                        tracing::warn!(%room_id, error = %err, "room's last seq not read");
                        None
                    }
                }
            }
            .into_actor(self)
            .map(move |latest, act, ctx| {
                if !act.exists {
                    if act.subscribers.is_empty() {
                        act.engine.unsubscribe(act.room_id);
                    }
                    return None;
                }
                if let Some((room, stats)) = latest {
                    act.client_id = Some(room.client_id);
                    act.last_seq = act.last_seq.max(stats.last_seq);
                    act.member_count = stats.member_count;
                }
                let user = msg.link.user_id;
                let session = msg.link.session_id;
                let was_online = act.is_online(user);
                // A session subscribed twice (a join's notice racing its connect)
                // is already counted present.
                if act.subscribers.insert(session, msg.link).is_none() {
                    act.change_presence(user, session, true, !was_online, ctx);
                }
                if let Some(after) = msg.after.filter(|after| *after < act.last_seq) {
                    act.catch_up_session(session, after, ctx);
                }
                Some(act.last_seq)
            }),
        ))
    }
}

impl Handler<Unsubscribe> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, ctx: &mut Context<Self>) {
        let Some(link) = self.subscribers.remove(&msg.session_id) else {
            return;
        };
        if self.subscribers.is_empty() {
            self.engine.unsubscribe(self.room_id);
        }
        let still_online = self.is_online(link.user_id);
        if !still_online {
            if let Some(timer) = self.typing.remove(&link.user_id) {
                ctx.cancel_future(timer);
                self.emit(&Event::Typing {
                    room_id: self.room_id,
                    user_id: link.user_id,
                    is_typing: false,
                });
            }
        }
        self.change_presence(link.user_id, link.session_id, false, !still_online, ctx);
    }
}

impl Handler<Remote> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: Remote, ctx: &mut Context<Self>) {
        let Ok(notice) = serde_json::from_str::<RoomNotice>(&msg.payload) else {
            tracing::warn!(room_id = %self.room_id, "unreadable room notice");
            return;
        };
        if let Some(seq) = notice.seq {
            match notice.message {
                Some(mut message) if seq == self.last_seq + 1 => {
                    message.seq = seq;
                    let event = Event::MessageNew(MessageBody::from(&message));
                    self.deliver_messages([(seq, &event)], Instant::now(), ctx);
                }
                _ if seq > self.last_seq => self.catch_up(ctx),
                _ => {}
            }
            return;
        }
        if notice.origin == Some(self.node.id) {
            return;
        }
        if notice.deleted {
            self.exists = false;
        }
        if notice.members_changed {
            self.recount_members(ctx);
        }
        if let Some(frame) = notice.frame {
            let framed = Framed {
                stream: None,
                frame: ByteString::from(frame),
            };
            self.fan_out(vec![framed], Instant::now());
        }
    }
}

/// Frames as the deliveries a session takes, at most [`FRAMES_PER_DELIVERY`] each; a
/// batch that fits in one is moved, not copied. No frames, no delivery.
fn deliveries(frames: Vec<Framed>) -> Vec<Deliver> {
    if frames.is_empty() {
        return Vec::new();
    }
    if frames.len() <= FRAMES_PER_DELIVERY {
        return vec![Deliver {
            frames: frames.into(),
        }];
    }
    frames
        .chunks(FRAMES_PER_DELIVERY)
        .map(|chunk| Deliver {
            frames: chunk.into(),
        })
        .collect()
}

/// The `message.new` frame of a message read back from the store (a catch-up).
fn stored_frame(message: &Message) -> Option<Framed> {
    let frame = Event::MessageNew(MessageBody::from(message)).encode()?;
    Some(Framed {
        stream: Some((message.room_id, message.seq)),
        frame,
    })
}

impl Handler<CatchUp> for RoomActor {
    type Result = ();

    fn handle(&mut self, _: CatchUp, ctx: &mut Context<Self>) {
        self.recount_members(ctx);
        self.catch_up(ctx);
    }
}
