//! One room's delivery, measured: N subscriber sockets (one user each) and one
//! publisher posting over REST. How many deliveries per second reach the sockets, and
//! how long each takes from the moment the publisher sends to the moment a subscriber
//! has read the frame. The scenarios ([`crate::fanout`], [`crate::crossnode`]) start
//! the servers and say, through a [`Target`], which node each part talks to; this
//! module does the rest, so both print the same figures measured the same way.
//!
//! Phases, each bounded in count and time:
//! 1. setup over REST: a fresh client, N+1 users, a room made by the publisher, N joins;
//! 2. N sockets connect and authenticate with an `auth` frame, each answered by `ready`;
//!    every socket is read from the moment it is ready, so the presence events its
//!    neighbours cause never pile up on the server;
//! 3. a pause for the server's post-`ready` hold ([`SETTLE`]);
//! 4. the publisher posts `--messages` messages at `--rate`, each stamped with its send
//!    time and index in `metadata` (`{"t": nanos, "k": index}`);
//! 5. the sockets read until each has every message, or [`DRAIN_DEADLINE`] after the
//!    last post; whatever is missing then is reported, never hidden.
//!
//! Timestamps are nanoseconds since one [`Instant`] of this process: publisher and
//! subscribers share it, so latency needs no wall clock and cannot go backwards, even
//! when they talk to different nodes.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use futures_util::{stream, SinkExt, StreamExt};
use serde_json::json;
use tokio::{
    net::TcpStream,
    sync::watch,
    task::JoinSet,
    time::{interval, sleep, timeout, timeout_at, MissedTickBehavior},
};
use tokio_tungstenite::{connect_async, tungstenite::Message, MaybeTlsStream, WebSocketStream};

use crate::{
    api::Api,
    arrivals::{nanos, text_or_end, Arrivals, End, Frame, Totals},
    procfs::CpuMeter,
    stats::{secs, Latencies},
    LoadArgs,
};

/// REST calls in flight at once during setup: enough to keep both cores busy without
/// queueing hundreds of requests behind each other.
pub const SETUP_CONCURRENCY: usize = 32;
/// WebSocket handshakes in flight at once; well under the listen backlog.
pub const CONNECT_CONCURRENCY: usize = 32;
/// One socket's connect + `auth` + `ready`.
const CONNECT_DEADLINE: Duration = Duration::from_secs(10);
/// After the last socket is ready: the server holds new messages back for 1 s after
/// `ready` (`SYNC_HOLD` in `actors/session.rs`) waiting for a `sync`; publishing
/// inside that window would measure the hold, not the fan-out.
const SETTLE: Duration = Duration::from_millis(1500);
/// How long after the last post the sockets may take to receive everything.
const DRAIN_DEADLINE: Duration = Duration::from_secs(30);
/// How long the sockets get to hand in their figures once told to stop.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// Failed posts after which the publisher gives up (the run is broken by then).
const MAX_PUBLISH_FAILURES: u32 = 10;
/// Each socket keeps its samples until the end (8 bytes each); this caps that memory
/// at 160 MB.
const MAX_DELIVERIES: u64 = 20_000_000;

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Which node each part of the run talks to. In one node's run all three are the
/// same; across nodes they differ, and a delivery has to cross the shared store.
pub struct Target<'a> {
    /// The setup calls: client, users, room, joins.
    pub setup: &'a Api,
    /// The publisher's `POST /messages`.
    pub publish: &'a Api,
    /// Where the subscribers' WebSockets connect.
    pub subscribe: &'a Api,
    /// The pids of the nodes the tool started, whose CPU time over publishing and
    /// draining is reported; empty with `--url`.
    pub servers: &'a [u32],
}

/// Refuses a run too large to keep its samples, before any server is started.
pub fn check(load: &LoadArgs) -> Result<()> {
    let expected = u64::from(load.sockets) * u64::from(load.messages);
    if expected > MAX_DELIVERIES {
        bail!("--sockets × --messages is {expected}; at most {MAX_DELIVERIES} deliveries per run");
    }
    Ok(())
}

/// Runs the measurement and prints its figures, the first line headed by `label`.
/// `Ok(false)` means it ran to the end but the run was not clean (something missing,
/// refused, closed or out of order), which the `result:` line spells out.
pub async fn run(label: &str, args: &LoadArgs, target: Target<'_>) -> Result<bool> {
    check(args)?;
    let rate = match args.rate {
        0 => "max".to_owned(),
        r => format!("{r}/s"),
    };
    println!(
        "{label}: sockets={} messages={} rate={rate} in_flight={}",
        args.sockets, args.messages, args.in_flight
    );
    let setup = target.setup;

    // 1. Setup over REST.
    let started = Instant::now();
    let master = setup.register_client(&format!("loadtest {label}")).await?;
    let keys = setup
        .create_users(&master, args.sockets + 1, SETUP_CONCURRENCY)
        .await?;
    let users_took = started.elapsed();
    let (publisher, subscribers) = keys.split_first().context("no users were created")?;
    let started = Instant::now();
    let room_id = setup
        .create_room(publisher, "loadtest", args.sockets + 10)
        .await?;
    setup
        .join_all(subscribers, &room_id, SETUP_CONCURRENCY)
        .await?;
    let joins_took = started.elapsed();

    // 2. Sockets; each is read by its own task from the moment it is ready.
    let clock = Instant::now();
    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let ws_url = target.subscribe.ws_url();
    let started = Instant::now();
    let mut connecting = stream::iter(subscribers.iter().enumerate())
        .map(|(i, key)| connect(&ws_url, key, i))
        .buffer_unordered(CONNECT_CONCURRENCY);
    while let Some(socket) = connecting.next().await {
        // On an error `tasks` is dropped, which aborts every reader.
        tasks.spawn(subscribe(socket?, args.messages, clock, stopped.clone()));
    }
    let connect_took = started.elapsed();

    // 3. Let the post-`ready` hold pass.
    sleep(SETTLE).await;

    // 4. Publish.
    let cpu = CpuMeter::start(target.servers)?;
    let published = publish(target.publish, publisher, &room_id, args, clock).await?;

    // 5. Drain.
    let (reports, unfinished) = drain(tasks, stop).await?;
    let cpu_used = cpu.map(|meter| meter.used()).transpose()?;

    let problems = print_figures(args, &published, &reports, unfinished)?;
    if let Some(used) = cpu_used {
        let delivered: u64 = reports.iter().map(|r| r.arrivals.count as u64).sum();
        let per = if delivered == 0 {
            0.0
        } else {
            used.as_secs_f64() * 1e6 / delivered as f64
        };
        println!(
            "server CPU: {} (user+sys, {} over publish and drain) = {per:.1} µs per delivery",
            secs(used),
            match target.servers.len() {
                1 => "the node".to_owned(),
                n => format!("{n} nodes"),
            }
        );
    }
    println!(
        "setup: users {} in {}, {} joins in {}, sockets connected in {}",
        args.sockets + 1,
        secs(users_took),
        args.sockets,
        secs(joins_took),
        secs(connect_took),
    );
    if problems.is_empty() {
        println!("result: clean");
    } else {
        println!("result: NOT clean: {}", problems.join("; "));
    }
    // The sockets close only now, all together, after every figure is in: closing
    // early would send presence events to the sockets still measuring.
    drop(reports);
    Ok(problems.is_empty())
}

/// Connects, authenticates with the first frame, and waits for `ready`. Also how
/// [`crate::revoke`] opens its sockets.
pub async fn connect(url: &str, key: &str, index: usize) -> Result<Socket> {
    let handshake = async {
        let (mut socket, _) = connect_async(url)
            .await
            .with_context(|| format!("cannot open {url}"))?;
        let auth = json!({"type": "auth", "token": key}).to_string();
        socket
            .send(Message::Text(auth))
            .await
            .context("cannot send the auth frame")?;
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let frame: Frame = serde_json::from_str(&text)
                        .with_context(|| format!("unreadable frame before ready: {text}"))?;
                    match frame.kind.as_str() {
                        "ready" => return Ok(socket),
                        "error" => bail!("auth refused: {text}"),
                        _ => {}
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.into_owned()))
                        .unwrap_or_default();
                    bail!("closed before ready (code {code}, {reason:?})");
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(err).context("connection failed before ready"),
                None => bail!("connection ended before ready"),
            }
        }
    };
    timeout(CONNECT_DEADLINE, handshake)
        .await
        .with_context(|| format!("socket {index}: no ready within {CONNECT_DEADLINE:?}"))?
        .with_context(|| format!("socket {index}"))
}

/// One socket's figures.
struct Received {
    /// Which messages came, and how; and the other frames.
    arrivals: Arrivals,
    end: End,
    /// Kept open until every socket is done (see `scenario`).
    _socket: Socket,
}

/// Reads one socket until it has every message, the server closes it, or `stop`.
async fn subscribe(
    mut socket: Socket,
    messages: u32,
    clock: Instant,
    mut stop: watch::Receiver<bool>,
) -> Received {
    let mut arrivals = Arrivals::new(usize::try_from(messages).unwrap_or(0));
    let end = loop {
        if arrivals.complete() {
            break End::Complete;
        }
        let item = tokio::select! {
            item = socket.next() => item,
            // A dropped sender means the scenario is gone: stop too.
            _ = stop.changed() => break End::Stopped,
        };
        let text = match text_or_end(item) {
            Ok(Some(text)) => text,
            Ok(None) => continue,
            Err(end) => break end,
        };
        let now = clock.elapsed();
        let Ok(frame) = serde_json::from_str::<Frame>(&text) else {
            arrivals.other("(unreadable)".to_owned());
            continue;
        };
        if frame.kind != "message.new" {
            arrivals.other(frame.kind);
            continue;
        }
        let data = frame.data;
        let stamp = data.as_ref().and_then(|d| d.metadata.as_ref());
        let (Some(t), Some(k)) = (stamp.and_then(|s| s.t), stamp.and_then(|s| s.k)) else {
            arrivals.unexpected();
            continue;
        };
        arrivals.record(k, t, now, data.and_then(|d| d.seq));
    };
    Received {
        arrivals,
        end,
        _socket: socket,
    }
}

/// What the publisher did.
struct Published {
    /// Per message index: whether the server answered 2xx.
    accepted: Vec<bool>,
    failures: u32,
    first_error: Option<String>,
    /// REST round trip of each post.
    round_trips: Latencies,
    /// When the first post was sent, since the clock.
    first_at: Duration,
    took: Duration,
}

/// Posts every message at the configured rate, at most `--in-flight` at once (each
/// post a task of its own, so a slow one never delays the next tick). A failed post
/// is counted and the run goes on (its message is then not expected anywhere), up to
/// [`MAX_PUBLISH_FAILURES`].
async fn publish(
    api: &Api,
    key: &str,
    room_id: &str,
    args: &LoadArgs,
    clock: Instant,
) -> Result<Published> {
    let count = usize::try_from(args.messages).context("--messages does not fit")?;
    let in_flight = usize::try_from(args.in_flight).context("--in-flight does not fit")?;
    let mut answers = Answers {
        accepted: vec![false; count],
        failures: 0,
        first_error: None,
        round_trips: Latencies::new()?,
    };
    // `Delay`: after a slow post the next one waits a full period rather than firing
    // a burst to catch up, so the offered rate is never above `--rate`.
    let mut ticker = (args.rate > 0).then(|| {
        let mut ticker = interval(Duration::from_secs(1) / args.rate);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        ticker
    });
    let mut posts = JoinSet::new();
    let first_at = clock.elapsed();
    for k in 0..count {
        while posts.len() >= in_flight {
            answers.take(posts.join_next().await);
        }
        if answers.failures >= MAX_PUBLISH_FAILURES {
            break;
        }
        if let Some(ticker) = ticker.as_mut() {
            ticker.tick().await;
        }
        let (api, key, room_id) = (api.clone(), key.to_owned(), room_id.to_owned());
        posts.spawn(async move {
            let sent = clock.elapsed();
            let metadata = json!({"t": nanos(sent), "k": k});
            let result = api
                .post_message(&key, &room_id, &format!("message {k}"), metadata)
                .await;
            (k, clock.elapsed().saturating_sub(sent), result)
        });
    }
    while !posts.is_empty() {
        answers.take(posts.join_next().await);
    }
    Ok(Published {
        accepted: answers.accepted,
        failures: answers.failures,
        first_error: answers.first_error,
        round_trips: answers.round_trips,
        first_at,
        took: clock.elapsed().saturating_sub(first_at),
    })
}

/// What the posts answered so far.
struct Answers {
    accepted: Vec<bool>,
    failures: u32,
    first_error: Option<String>,
    round_trips: Latencies,
}

/// One post's task: its message index, round trip and outcome.
type PostDone = (usize, Duration, Result<()>);

impl Answers {
    /// Records a finished post (a task that panicked or was cancelled records nothing:
    /// its message then counts as not accepted).
    fn take(&mut self, joined: Option<Result<PostDone, tokio::task::JoinError>>) {
        let Some(Ok((k, round_trip, result))) = joined else {
            return;
        };
        self.round_trips.record(round_trip);
        match result {
            Ok(()) => {
                if let Some(slot) = self.accepted.get_mut(k) {
                    *slot = true;
                }
            }
            Err(err) => {
                self.failures += 1;
                self.first_error.get_or_insert_with(|| format!("{err:#}"));
            }
        }
    }
}

/// Waits for every socket to finish, up to [`DRAIN_DEADLINE`]; then tells the rest
/// to stop and collects what they have. Returns the reports and how many tasks did
/// not even answer the stop (they are aborted; a bug if ever non-zero).
async fn drain(
    mut tasks: JoinSet<Received>,
    stop: watch::Sender<bool>,
) -> Result<(Vec<Received>, usize)> {
    let mut reports = Vec::with_capacity(tasks.len());
    let deadline = tokio::time::Instant::now() + DRAIN_DEADLINE;
    while let Ok(Some(joined)) = timeout_at(deadline, tasks.join_next()).await {
        reports.push(joined.context("a socket reader panicked")?);
    }
    if !tasks.is_empty() {
        // Nobody may be listening any more; that is fine.
        let _ = stop.send(true);
        let grace = tokio::time::Instant::now() + STOP_GRACE;
        while let Ok(Some(joined)) = timeout_at(grace, tasks.join_next()).await {
            reports.push(joined.context("a socket reader panicked")?);
        }
    }
    let unfinished = tasks.len();
    tasks.abort_all();
    Ok((reports, unfinished))
}

fn print_figures(
    args: &LoadArgs,
    published: &Published,
    reports: &[Received],
    unfinished: usize,
) -> Result<Vec<String>> {
    let accepted = published.accepted.iter().filter(|&&a| a).count() as u64;
    let expected = accepted * u64::from(args.sockets);
    let mut totals = Totals::new()?;
    let (mut complete, mut stopped) = (0, 0);
    let mut closes: BTreeMap<String, u64> = BTreeMap::new();
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    for report in reports {
        totals.add(&report.arrivals, &published.accepted);
        match &report.end {
            End::Complete => complete += 1,
            End::Stopped => stopped += 1,
            End::Closed(frame) => {
                *closes.entry(End::close_label(frame.as_ref())).or_insert(0) += 1;
            }
            End::Failed(err) => *failures.entry(err.clone()).or_insert(0) += 1,
        }
    }
    // Sockets whose task never reported lost everything they would have received.
    let silent = (args.sockets as usize).saturating_sub(reports.len());
    let missing = totals.missing + silent as u64 * accepted;
    let (window, per_sec) = totals.window(published.first_at);
    let Totals {
        delivered,
        duplicates,
        out_of_order,
        unexpected,
        ..
    } = totals;
    println!(
        "deliveries: {delivered} in {} = {per_sec:.0} deliveries/s (expected {expected}, missing {missing})",
        secs(window)
    );
    println!("latency: {}", totals.latency.summary());
    println!(
        "publish: {accepted} of {} accepted in {} ({} failed); REST round trip {}",
        args.messages,
        secs(published.took),
        published.failures,
        published.round_trips.summary()
    );
    if let Some(err) = &published.first_error {
        println!("publish: first failure: {err}");
    }
    let closed: u64 = closes.values().sum();
    let failed: u64 = failures.values().sum();
    println!(
        "sockets: {complete} complete, {stopped} short at the deadline, {closed} closed by the server, \
         {failed} failed, {silent} unaccounted (of {})",
        args.sockets
    );
    for (close, n) in &closes {
        println!("  closed: {close} × {n}");
    }
    for (err, n) in &failures {
        println!("  failed: {err} × {n}");
    }
    println!(
        "order: {duplicates} duplicates, {out_of_order} out of order, {unexpected} unexpected; \
         other frames: {}",
        totals.other_frames()
    );
    if unfinished > 0 {
        println!("warning: {unfinished} socket readers did not stop and were aborted");
    }
    let mut problems = Vec::new();
    let mut check = |count: u64, what: &str| {
        if count > 0 {
            problems.push(format!("{count} {what}"));
        }
    };
    check(missing, "deliveries missing");
    check(
        u64::from(args.messages).saturating_sub(accepted),
        "messages not accepted",
    );
    check(closed + failed, "sockets closed or failed");
    check(duplicates, "duplicates");
    check(out_of_order, "out of order");
    check(unexpected, "unexpected messages");
    check(unfinished as u64, "readers aborted");
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_of_every_shape_parse() {
        let message = r#"{"type":"message.new","data":{"seq":7,"content":"x",
            "metadata":{"t":123,"k":4},"reactions":{}}}"#;
        let frame: Frame = serde_json::from_str(message).unwrap();
        let data = frame.data.unwrap();
        assert_eq!(data.seq, Some(7));
        let stamp = data.metadata.unwrap();
        assert_eq!((stamp.t, stamp.k), (Some(123), Some(4)));

        let presence = r#"{"type":"presence","data":{"room_id":"r","user_id":"u","online":true}}"#;
        let frame: Frame = serde_json::from_str(presence).unwrap();
        assert_eq!(frame.kind, "presence");
        let room = r#"{"type":"room.updated","data":{"metadata":{"topic":"x"}}}"#;
        assert!(serde_json::from_str::<Frame>(room).is_ok());
        assert!(serde_json::from_str::<Frame>(r#"{"type":"pong","data":{}}"#).is_ok());
    }
}
