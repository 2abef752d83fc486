//! One actor per WebSocket connection, carrying all of a user's rooms.
//!
//! Lifecycle: authenticate (header at upgrade, or an `auth` frame within
//! [`AUTH_TIMEOUT`]), register with the registry (which subscribes it to the user's
//! rooms), send `ready`, then serve requests and deliver room events until closed.
//! The registry is told in `stopped`, whatever the reason.
//!
//! Ordering: new messages carry their `seq`; the session never sends a room's `seq`
//! twice. Right after `ready` it holds new messages back for [`SYNC_HOLD`], so a
//! reconnecting client's `sync` gets the missed history first, then its `ack`, then
//! live messages, with no gap and no duplicate.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use actix::{
    Actor, ActorContext, ActorFutureExt, ActorState, AsyncContext, Context, Handler, StreamHandler,
    WrapFuture,
};
use actix_http::ws::ProtocolError;
use bytestring::ByteString;
use chrono::Utc;
use serde_json::json;
use tracing::{field, Instrument, Span};

use super::{
    dispatch::dispatch,
    protocol::{
        self, close, close_for, close_for_auth, close_for_connect, ClientFrame, RoomRequest,
    },
    wire::{Incoming, Outbound},
};
use crate::{
    core::{
        actors::{
            messages::{CloseReason, Deliver, Disconnect, SessionClosed, SessionLink},
            Tell,
        },
        auth::{Caller, Credentials, UserCaller},
        events::Event,
        sockets::SocketSlot,
        views::{MessageBody, UserBody},
        ApiError, Core, ErrorCode,
    },
    domain::ids::{RoomId, SessionId},
};

/// How often the server pings.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(15);
/// A connection silent this long is dropped.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(45);
/// A browser must send its `auth` frame within this.
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries queued for one connection before it counts as too slow (4009): in its
/// mailbox, and again in what its socket has not yet taken (which is also bounded at
/// 1 MiB). A delivery is one event, or the messages of one room commit (at most
/// `FRAMES_PER_DELIVERY`); the hold for a `sync` counts frames against it.
pub const OUTBOUND_QUEUE: usize = 256;
/// How long after `ready` new messages wait for a `sync`.
pub const SYNC_HOLD: Duration = Duration::from_secs(1);
/// The most messages one `sync` replays, over all its rooms together; more gives
/// `truncated: true` (the client syncs again from where the replay stopped).
pub const SYNC_LIMIT: usize = 1000;
/// How long a closed session's last frames (its backlog, then the close frame) may take
/// to reach a client that reads slowly, before the socket is dropped.
const LINGER: Duration = Duration::from_secs(10);
/// Sends refused in a row before the connection is closed with 4008: a client that
/// ignores `RATE_LIMIT_EXCEEDED` this long is not going to slow down.
const RATE_STRIKES: u32 = 20;

pub struct WsSession {
    id: SessionId,
    core: Arc<Core>,
    ip: Option<String>,
    /// Set once authenticated.
    user: Option<UserCaller>,
    last_heard: Instant,
    rooms: HashMap<RoomId, RoomCursor>,
    /// New messages held back until the first `sync` or [`SYNC_HOLD`] after `ready`.
    held: Option<Vec<Deliver>>,
    /// Sends refused by the user's message limit in a row; reset by an accepted one.
    refused_sends: u32,
    /// What a REST request's span is to its lines: every line this session logs (an
    /// error's report included) is in it, tagged `session_id`, and `user_id` once
    /// authenticated, so a 5xx raised here is found the way a REST one is.
    span: Span,
    out: Outbound,
    /// This socket's place under the node's cap, given back with the session.
    _slot: SocketSlot,
}

/// What this connection has sent of one room's messages.
#[derive(Debug, Clone, Copy, Default)]
struct RoomCursor {
    /// Messages at or below this were never sent here (they predate the connection).
    start: u64,
    /// The highest `seq` sent here, live or replayed.
    sent: u64,
}

impl RoomCursor {
    fn at(seq: u64) -> Self {
        Self {
            start: seq,
            sent: seq,
        }
    }

    /// Whether message `seq` has not been sent on this connection.
    fn unsent(&self, seq: u64) -> bool {
        seq <= self.start || seq > self.sent
    }
}

impl WsSession {
    pub fn new(
        core: Arc<Core>,
        ip: Option<String>,
        user: Option<UserCaller>,
        out: Outbound,
        slot: SocketSlot,
    ) -> Self {
        let id = SessionId::random();
        Self {
            span: tracing::info_span!("WebSocket session", session_id = %id, user_id = field::Empty),
            id,
            core,
            ip,
            user,
            last_heard: Instant::now(),
            rooms: HashMap::new(),
            held: None,
            refused_sends: 0,
            out,
            _slot: slot,
        }
    }

    /// An `error` frame, its report logged in this session's span.
    fn error_frame(&self, id: Option<&str>, err: &ApiError) -> ByteString {
        self.span.in_scope(|| protocol::error(id, err))
    }

    /// Sends the close frame (written as the session stops) and stops.
    fn close(&mut self, ctx: &mut Context<Self>, code: u16, reason: &str) {
        self.out.close(code, reason);
        ctx.stop();
    }

    /// Closes for `reason`, counting a first close for being too slow.
    fn close_for_reason(&mut self, reason: CloseReason, ctx: &mut Context<Self>) {
        // Several rooms may find the same session too slow; it closes once.
        if matches!(reason, CloseReason::TooSlow) && ctx.state() == ActorState::Running {
            self.core.node.metrics.slow_consumer_closes.inc();
        }
        let (code, reason) = close_for(reason);
        self.close(ctx, code, reason);
    }

    /// Registers with the registry, subscribes to the user's rooms, sends `ready`.
    fn start_session(&mut self, caller: UserCaller, ctx: &mut Context<Self>) {
        self.span.record("user_id", field::display(caller.user.id));
        if let Some(expires_at) = caller.key_expires_at {
            let left = (expires_at - Utc::now()).to_std().unwrap_or_default();
            ctx.run_later(left, |act, ctx| {
                act.close(ctx, close::KEY_EXPIRED, "key expired")
            });
        }
        let link = SessionLink {
            session_id: self.id,
            user_id: caller.user.id,
            deliver: ctx.address().recipient(),
            disconnect: ctx.address().recipient(),
        };
        let core = self.core.clone();
        let key = caller.key;
        let user = caller.user.clone();
        self.core.node.load.connected(caller.client.id);
        self.user = Some(caller);
        ctx.wait(
            async move { core.connect(link, key).await }
                .instrument(self.span.clone())
                .into_actor(self)
                .map(move |started, act, ctx| match started {
                    Ok(rooms) => {
                        act.rooms = rooms
                            .iter()
                            .map(|&(id, seq)| (id, RoomCursor::at(seq)))
                            .collect();
                        let rooms: Vec<_> = rooms
                            .iter()
                            .map(|(room_id, last_seq)| json!({"room_id": room_id, "last_seq": last_seq}))
                            .collect();
                        let data = json!({"user": UserBody::from(user), "rooms": rooms});
                        act.out.text(&protocol::reply("ready", None, data));
                        act.held = Some(Vec::new());
                        ctx.run_later(SYNC_HOLD, |act, ctx| act.release(ctx));
                    }
                    Err(err) => {
                        act.out.text(&act.error_frame(None, &err));
                        let (code, reason) = close_for_connect(err.code());
                        act.close(ctx, code, reason);
                    }
                }),
        );
    }

    /// Ends the hold after `ready`: sends what was held, in order, at once (a request
    /// that ends the hold may hold the session's writer until it is answered).
    fn release(&mut self, ctx: &mut Context<Self>) {
        let Some(held) = self.held.take() else {
            return;
        };
        for deliver in held {
            self.send_live(&deliver, ctx);
        }
        self.out.write_now();
        self.out.flush_soon();
    }

    /// Writes the frames, but a message this session has already sent (a catch-up
    /// that overlaps a sync). Every frame queued in one wake-up goes out as one write.
    /// A socket that leaves more than [`OUTBOUND_QUEUE`] deliveries, or 1 MiB, unwritten
    /// is too slow.
    fn send_live(&mut self, deliver: &Deliver, ctx: &mut Context<Self>) {
        for framed in deliver.frames.iter() {
            if let Some((room_id, seq)) = framed.stream {
                let cursor = self.rooms.entry(room_id).or_default();
                if !cursor.unsent(seq) {
                    continue;
                }
                cursor.sent = cursor.sent.max(seq);
            }
            self.out.text(&framed.frame);
        }
        if self.out.delivered(OUTBOUND_QUEUE) {
            self.close_for_reason(CloseReason::TooSlow, ctx);
        }
    }

    /// Parse, dispatch, reply.
    fn handle_text(&mut self, text: &str, ctx: &mut Context<Self>) {
        let (id, frame) = match ClientFrame::parse(text) {
            Ok(parsed) => parsed,
            Err((id, err)) => return self.out.text(&self.error_frame(id.as_deref(), &err)),
        };
        let Some(caller) = self.user.clone() else {
            return self.handle_auth(id, frame, ctx);
        };
        if !matches!(frame, ClientFrame::Sync { .. } | ClientFrame::Ping) {
            self.release(ctx);
        }
        match frame {
            ClientFrame::Auth { .. } => {
                let err =
                    ApiError::with_detail(ErrorCode::ValidationError, "Already authenticated");
                self.out.text(&self.error_frame(id.as_deref(), &err));
            }
            ClientFrame::Ping => self
                .out
                .text(&protocol::reply("pong", id.as_deref(), json!({}))),
            ClientFrame::Sync { rooms } => self.sync(id, caller, rooms, ctx),
            ClientFrame::Room(request) => self.execute(id, caller, request, ctx),
        }
    }

    /// Counts sends the user's message limit refused in a row: a client that keeps
    /// sending past `RATE_LIMIT_EXCEEDED` is closed with 4008.
    fn count_refusal(&mut self, refused: Option<ErrorCode>, ctx: &mut Context<Self>) {
        if refused != Some(ErrorCode::RateLimitExceeded) {
            self.refused_sends = 0;
            return;
        }
        self.refused_sends += 1;
        if self.refused_sends >= RATE_STRIKES {
            self.close(ctx, close::RATE_LIMITED, "rate limited");
        }
    }

    /// Before authentication the only frame accepted is `auth`.
    fn handle_auth(&mut self, id: Option<String>, frame: ClientFrame, ctx: &mut Context<Self>) {
        let ClientFrame::Auth { token } = frame else {
            let refusal = ApiError::new(ErrorCode::InvalidCredentials);
            self.out.text(&self.error_frame(id.as_deref(), &refusal));
            return self.close(ctx, close::INVALID_CREDENTIALS, "authenticate first");
        };
        let core = self.core.clone();
        let credentials = Credentials {
            token: Some(token),
            ip: self.ip.clone(),
            route: "/api/v1/ws".to_owned(),
        };
        ctx.wait(
            async move { core.admit_session(&credentials).await }
                .instrument(self.span.clone())
                .into_actor(self)
                .map(move |result, act, ctx| match result {
                    Ok(admitted) => act.start_session(admitted.body, ctx),
                    Err(err) => {
                        act.out.text(&act.error_frame(id.as_deref(), &err));
                        act.close(ctx, close_for_auth(err.code()), err.detail());
                    }
                }),
        );
    }

    /// Runs a room request through its room's actor and answers `ack` or `error`.
    /// `wait` keeps one connection's requests in the order it sent them.
    fn execute(
        &mut self,
        id: Option<String>,
        caller: UserCaller,
        request: RoomRequest,
        ctx: &mut Context<Self>,
    ) {
        let core = self.core.clone();
        let send = matches!(request, RoomRequest::Send(_));
        ctx.wait(
            async move { dispatch(&core, Caller::User(caller), id.as_deref(), request).await }
                .instrument(self.span.clone())
                .into_actor(self)
                .map(move |(frame, refused), act, ctx| {
                    act.out.text(&frame);
                    if send {
                        act.count_refusal(refused, ctx);
                    }
                }),
        );
    }

    /// Replays, per room, every message after the client's `seq` that this connection
    /// has not sent, oldest first; then the `ack`; then whatever was held.
    fn sync(
        &mut self,
        id: Option<String>,
        caller: UserCaller,
        rooms: HashMap<RoomId, u64>,
        ctx: &mut Context<Self>,
    ) {
        let core = self.core.clone();
        let user = caller.user.id;
        ctx.wait(
            async move { core.missed(user, rooms, SYNC_LIMIT).await }
                .instrument(self.span.clone())
                .into_actor(self)
                .map(move |result, act, ctx| {
                    let replays = match result {
                        Ok(replays) => replays,
                        Err(err) => return act.out.text(&act.error_frame(id.as_deref(), &err)),
                    };
                    let mut truncated = false;
                    let mut positions = serde_json::Map::new();
                    for missed in replays {
                        let (room_id, after, messages) =
                            (missed.room_id, missed.after, missed.messages);
                        truncated |= missed.truncated;
                        let cursor = act
                            .rooms
                            .entry(room_id)
                            .or_insert_with(|| RoomCursor::at(after));
                        for message in messages.iter().filter(|m| cursor.unsent(m.seq)) {
                            let event = Event::MessageNew(MessageBody::from(message));
                            if let Some(frame) = event.encode() {
                                act.out.text(&frame);
                            }
                        }
                        let last = messages.last().map(|m| m.seq);
                        if let Some(last) = last {
                            cursor.sent = cursor.sent.max(last);
                        }
                        // The replay covered `after..=last`. Cut short below `start`, it
                        // left `last..=start` unsent: keep `start` so the next sync
                        // replays them, rather than count them as sent.
                        let cut_short =
                            missed.truncated && last.is_none_or(|last| last < cursor.start);
                        if !cut_short {
                            cursor.start = cursor.start.min(after);
                        }
                        // Where the client now is, so it can sync on from there.
                        let position = match (missed.truncated, last) {
                            (true, last) => last.unwrap_or(after),
                            (false, _) => cursor.sent,
                        };
                        positions.insert(room_id.to_string(), json!(position));
                    }
                    let data = json!({"rooms": positions, "truncated": truncated});
                    act.out.text(&protocol::reply("ack", id.as_deref(), data));
                    act.release(ctx);
                }),
        );
    }
}

impl AsMut<Outbound> for WsSession {
    fn as_mut(&mut self) -> &mut Outbound {
        &mut self.out
    }
}

impl Actor for WsSession {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(OUTBOUND_QUEUE);
        ctx.run_interval(HEARTBEAT_INTERVAL, |act, ctx| {
            if act.last_heard.elapsed() > CLIENT_TIMEOUT {
                // The peer is gone or stuck: no close handshake to wait for.
                return ctx.stop();
            }
            act.out.ping();
            act.out.flush_soon();
        });
        match self.user.take() {
            Some(caller) => self.start_session(caller, ctx),
            None => {
                ctx.run_later(AUTH_TIMEOUT, |act, ctx| {
                    if act.user.is_none() {
                        act.close(ctx, close::AUTH_TIMEOUT, "no auth frame in time");
                    }
                });
            }
        }
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.out.linger(LINGER);
        if let Some(caller) = &self.user {
            self.core.node.load.disconnected(caller.client.id);
            self.core.registry.tell(SessionClosed {
                session_id: self.id,
            });
        }
    }
}

impl Handler<Deliver> for WsSession {
    type Result = ();

    /// While holding for a `sync`, new messages wait, but never more than the
    /// outbound queue's bound: a busy room ends the hold early rather than grow it.
    fn handle(&mut self, msg: Deliver, ctx: &mut Self::Context) {
        match &mut self.held {
            Some(held) if msg.has_messages() => {
                let frames: usize = held.iter().map(|d| d.frames.len()).sum();
                if frames + msg.frames.len() <= OUTBOUND_QUEUE {
                    held.push(msg);
                } else {
                    self.release(ctx);
                    self.send_live(&msg, ctx);
                }
            }
            _ => self.send_live(&msg, ctx),
        }
    }
}

impl Handler<Disconnect> for WsSession {
    type Result = ();

    fn handle(&mut self, msg: Disconnect, ctx: &mut Self::Context) {
        self.close_for_reason(msg.reason, ctx);
    }
}

impl StreamHandler<Result<Incoming, ProtocolError>> for WsSession {
    fn handle(&mut self, item: Result<Incoming, ProtocolError>, ctx: &mut Self::Context) {
        let span = self.span.clone();
        let _in_session = span.enter();
        self.last_heard = Instant::now();
        match item {
            Ok(Incoming::Text(text)) => self.handle_text(&text, ctx),
            Ok(Incoming::Ping(payload)) => self.out.pong(&payload),
            Ok(Incoming::Pong) => {}
            Ok(Incoming::Binary) => {
                let err = ApiError::with_detail(ErrorCode::InvalidJson, "Frames are JSON text");
                self.out.text(&self.error_frame(None, &err));
            }
            // Answered in kind, as RFC 6455 §5.5.1 asks, so the client sees a clean close.
            Ok(Incoming::Close) => self.close(ctx, close::NORMAL, ""),
            Err(ProtocolError::Overflow) => {
                self.close(ctx, close::FRAME_TOO_LARGE, "frame too large");
            }
            Err(_) => ctx.stop(),
        }
        self.out.flush_soon();
    }
}
