//! The `rooms` scenario: many small rooms at once. `--rooms` rooms of `--members`
//! members each (a user per member, in exactly one room), every member with a
//! WebSocket; the members post by turns, over REST or (`--via ws`) their sockets,
//! `--messages` per room, at `--rate` messages per second over all rooms. Every socket must receive every
//! accepted message of its room once, in the room's `seq` order.
//!
//! Phases, each bounded in count and time:
//! 1. setup over REST: a fresh client, R×M users, R rooms (each made by its first
//!    member, who becomes owner) and the other members' joins;
//! 2. R×M sockets connect and authenticate (`auth`, then `ready`), each read by its
//!    own task from then on ([`crate::deliver`]);
//! 3. a pause for the server's post-`ready` hold (as in `fanout`);
//! 4. the posts: message j goes to room j mod R, as its index k = j div R, sent by
//!    member k mod M; the j-th is due at j / rate after the start, and at most
//!    [`IN_FLIGHT`] posts are in flight, so posts to one room may overlap and the
//!    server's `seq` decides their order;
//!    with `--via ws` the message is a `message.send` frame on the sender's own
//!    socket instead, without a cap, its `ack` timing the send;
//! 5. the wait until every accepted message has reached every member's socket, at
//!    most [`DRAIN_DEADLINE`] after the last post.

use std::{
    sync::{atomic::AtomicU64, Arc},
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Result};
use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::json;
use tokio::{
    sync::{mpsc, watch},
    task::JoinSet,
    time::{sleep, timeout},
};

use crate::{
    api::Api,
    arrivals::nanos,
    deliver,
    measure::{self, CONNECT_CONCURRENCY, SETUP_CONCURRENCY},
    node::Node,
    progress::Phase,
    report::Report,
    stats::Latencies,
    RoomsArgs, Via,
};

/// Posts in flight at once; with `--rate 0` this is the whole pacing.
const IN_FLIGHT: usize = 64;
/// The server's post-`ready` hold, and a margin (see [`crate::measure`]).
const SETTLE: Duration = Duration::from_millis(1500);
/// How long after the last post the sockets may take to receive everything.
const DRAIN_DEADLINE: Duration = Duration::from_secs(30);
/// Sockets × messages per room: each reader keeps one sample per delivery (8 bytes).
const MAX_DELIVERIES: u64 = 20_000_000;
/// How long a reader may take to accept a frame to send (`--via ws`).
const HANDOFF_DEADLINE: Duration = Duration::from_secs(5);
/// Sockets at most (R × M).
const MAX_SOCKETS: u64 = 50_000;

/// Runs the scenario and prints its figures; `Ok(false)` for a run that was not clean.
pub async fn run(args: RoomsArgs) -> Result<bool> {
    let rooms = usize::try_from(args.rooms)?;
    let members = usize::try_from(args.members)?;
    let messages = usize::try_from(args.messages)?;
    let sockets = u64::from(args.rooms) * u64::from(args.members);
    if sockets > MAX_SOCKETS {
        bail!("--rooms × --members is {sockets}; at most {MAX_SOCKETS} sockets per run");
    }
    let deliveries = sockets * u64::from(args.messages);
    if deliveries > MAX_DELIVERIES {
        bail!("--rooms × --members × --messages is {deliveries}; at most {MAX_DELIVERIES}");
    }
    let node = Node::start(&args.node).await?;
    let api = node.api();
    let mut report = Report::new(if args.node.redis {
        "rooms --redis"
    } else {
        "rooms"
    });
    report.param("rooms", args.rooms);
    report.param("members", args.members);
    report.param("messages", args.messages);
    report.param(
        "rate",
        match args.rate {
            0 => "max".to_owned(),
            r => format!("{r}/s"),
        },
    );
    report.param(
        "via",
        match args.via {
            Via::Rest => "rest",
            Via::Ws => "ws",
        },
    );
    report.param("store", node.store());

    // 1. Setup.
    let started = Instant::now();
    let master = api.register_client("loadtest rooms").await?;
    let users = u32::try_from(sockets)?;
    let keys = {
        let phase = Phase::count("users", sockets);
        let keys = api
            .create_users_counted(&master, users, SETUP_CONCURRENCY, &phase.counter())
            .await?;
        phase.finish();
        keys
    };
    let users_took = started.elapsed();
    let started = Instant::now();
    let key_of = |room: usize, member: usize| -> &str {
        keys.get(room * members + member).map_or("", String::as_str)
    };
    let room_ids: Vec<String> = {
        let phase = Phase::count("rooms", u64::from(args.rooms));
        let ids = stream::iter(0..rooms)
            .map(|r| {
                let phase = &phase;
                async move {
                    let id = api
                        .create_room(key_of(r, 0), &format!("loadtest {r}"), args.members + 10)
                        .await?;
                    phase.inc();
                    Ok::<_, anyhow::Error>(id)
                }
            })
            .buffered(SETUP_CONCURRENCY)
            .try_collect()
            .await?;
        phase.finish();
        ids
    };
    let pairs: Vec<(&str, &str)> = room_ids
        .iter()
        .enumerate()
        .flat_map(|(r, id)| (1..members).map(move |m| (key_of(r, m), id.as_str())))
        .collect();
    {
        let phase = Phase::count("joins", pairs.len() as u64);
        api.join_pairs(&pairs, SETUP_CONCURRENCY, &phase.counter())
            .await?;
        phase.finish();
    }
    let rooms_took = started.elapsed();

    // 2. Sockets, each read from the moment it is ready.
    let clock = Instant::now();
    let delivered = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = watch::channel(false);
    let mut readers = JoinSet::new();
    let ws_url = api.ws_url();
    let mut senders: Vec<Option<mpsc::Sender<String>>> = vec![None; keys.len()];
    let started = Instant::now();
    {
        let phase = Phase::count("sockets", sockets);
        let mut connecting = stream::iter(keys.iter().enumerate())
            .map(|(i, key)| {
                let ws_url = &ws_url;
                async move { (i, measure::connect(ws_url, key, i).await) }
            })
            .buffer_unordered(CONNECT_CONCURRENCY);
        while let Some((i, socket)) = connecting.next().await {
            // On an error `readers` is dropped, which aborts every reader.
            // With `--via ws` each member's reader also sends its member's posts.
            let outgoing = match args.via {
                Via::Rest => None,
                Via::Ws => {
                    let (tx, rx) = mpsc::channel(messages.max(1));
                    if let Some(slot) = senders.get_mut(i) {
                        *slot = Some(tx);
                    }
                    Some(rx)
                }
            };
            readers.spawn(deliver::read(
                socket?,
                i / members,
                messages,
                clock,
                Arc::clone(&delivered),
                stopped.clone(),
                outgoing,
            ));
            phase.inc();
        }
        phase.finish();
    }
    let connect_took = started.elapsed();

    // 3. The post-`ready` hold.
    sleep(SETTLE).await;

    // 4. Posts.
    let cpu = node.cpu_meter()?;
    let redis_cpu = node.redis_cpu_meter()?;
    let total = rooms * messages;
    let phase = Phase::follow("deliveries", deliveries, Arc::clone(&delivered));
    let first_post = clock.elapsed();
    let schedule = Schedule {
        rooms,
        members,
        total,
        period: (args.rate > 0).then(|| Duration::from_secs(1) / args.rate),
        clock,
    };
    let mut accepted = vec![vec![false; messages]; rooms];
    let mut round_trips = Latencies::new()?;
    let mut failed = 0;
    let mut first_error = None;
    let results = match args.via {
        Via::Rest => post_over_rest(api, &room_ids, &keys, schedule).await,
        Via::Ws => post_over_sockets(&room_ids, senders, schedule).await,
    };
    let publish_took = clock.elapsed().saturating_sub(first_post);
    for (r, k, result, rtt) in results {
        if let Some(rtt) = rtt {
            round_trips.record(rtt);
        }
        match result {
            Ok(()) => {
                if let Some(slot) = accepted.get_mut(r).and_then(|room| room.get_mut(k)) {
                    *slot = true;
                }
            }
            Err(err) => {
                failed += 1;
                first_error.get_or_insert_with(|| format!("{err:#}"));
            }
        }
    }
    let accepted_count = accepted.iter().flatten().filter(|&&a| a).count() as u64;

    // 5. Wait for every accepted message on every member's socket.
    let target = accepted_count * u64::from(args.members);
    deliver::wait_for(
        &delivered,
        target,
        tokio::time::Instant::now() + DRAIN_DEADLINE,
    )
    .await;
    let cpu_used = cpu.map(|meter| meter.used()).transpose()?;
    let redis_cpu_used = redis_cpu.map(|meter| meter.used()).transpose()?;
    phase.finish();
    let (tallies, unfinished) = deliver::collect(readers, &stop).await?;
    // A `message.send` the server refused (an `error` frame to its id) was never
    // accepted, so its message is expected nowhere.
    for tally in &tallies {
        for &k in &tally.refused {
            if let Some(slot) = accepted
                .get_mut(tally.room)
                .and_then(|room| room.get_mut(k))
            {
                if *slot {
                    *slot = false;
                    failed += 1;
                }
            }
        }
        if let Some(refusal) = &tally.first_refusal {
            first_error.get_or_insert_with(|| format!("refused: {refusal}"));
        }
        for &ack in &tally.acks {
            round_trips.record(Duration::from_nanos(ack));
        }
    }
    let accepted_count = accepted.iter().flatten().filter(|&&a| a).count() as u64;

    report.count("sockets", "sockets", sockets);
    let delivered = deliver::add_figures(
        &mut report,
        &tallies,
        sockets,
        unfinished,
        &accepted,
        first_post,
    )?;
    report.cpu(cpu_used, delivered, "delivery");
    report.redis_cpu(redis_cpu_used);
    report.count("posts_accepted", "posts accepted", accepted_count);
    report.count("posts_failed", "posts failed", failed);
    report.seconds("posting", "posting took", publish_took);
    let round_trip = match args.via {
        Via::Rest => "post round trip",
        Via::Ws => "send to ack",
    };
    report.latency("post_round_trip", round_trip, &round_trips);
    if let Some(err) = first_error {
        report.note(format!("first failed post: {err}"));
    }
    report.problem_if(failed, "posts failed");
    report.seconds("setup_users", "setup: users", users_took);
    report.seconds("setup_rooms", "setup: rooms and joins", rooms_took);
    report.seconds("setup_sockets", "setup: sockets connected", connect_took);
    node.note_logs(&mut report);
    let clean = report.print(args.node.json);
    // The sockets close only now, all together, after every figure is in.
    drop(tallies);
    Ok(clean)
}

/// One post's outcome: room, index, accepted or why not, and its REST round trip
/// (`None` over a socket, where the `ack` gives it).
type Posted = (usize, usize, Result<()>, Option<Duration>);

/// Which message goes where, by whom, and when, however it is posted: message j
/// goes to room j mod R as its index k = j div R, sent by member k mod M, due at
/// j × period after the posting starts.
#[derive(Clone, Copy)]
struct Schedule {
    rooms: usize,
    members: usize,
    /// Messages over all rooms.
    total: usize,
    /// Between two messages due; `None` paces nothing (`--rate 0`).
    period: Option<Duration>,
    /// The run's clock, which the stamps count from.
    clock: Instant,
}

impl Schedule {
    /// Message `j`'s room r, its index k in that room, and its sender's place in the
    /// run's users (room by room, `members` each).
    fn slot(&self, j: usize) -> (usize, usize, usize) {
        let (r, k) = (j % self.rooms, j / self.rooms);
        (r, k, r * self.members + k % self.members)
    }

    /// Waits until message `j` is due, counted from `start`.
    async fn pace(&self, start: tokio::time::Instant, j: usize) {
        if let Some(period) = self.period {
            let due = period.saturating_mul(u32::try_from(j).unwrap_or(u32::MAX));
            tokio::time::sleep_until(start + due).await;
        }
    }
}

/// The stamp and content of message `k` of room `r`, sent at `sent`.
fn message(r: usize, k: usize, sent: Duration) -> (String, serde_json::Value) {
    (
        format!("room {r} message {k}"),
        json!({"t": nanos(sent), "k": k, "r": r}),
    )
}

/// `POST /messages` for every message, paced, at most [`IN_FLIGHT`] at once.
async fn post_over_rest(
    api: &Api,
    room_ids: &[String],
    keys: &[String],
    schedule: Schedule,
) -> Vec<Posted> {
    let start = tokio::time::Instant::now();
    let clock = schedule.clock;
    stream::iter(0..schedule.total)
        .map(|j| {
            let (r, k, sender) = schedule.slot(j);
            let room_id = room_ids.get(r).map_or("", String::as_str);
            let key = keys.get(sender).map_or("", String::as_str);
            async move {
                schedule.pace(start, j).await;
                let sent = clock.elapsed();
                let (content, metadata) = message(r, k, sent);
                let result = api.post_message(key, room_id, &content, metadata).await;
                (r, k, result, Some(clock.elapsed().saturating_sub(sent)))
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await
}

/// A `message.send` frame for every message, paced, handed to the sending member's
/// reader, which writes it on its socket. Dropping `senders` at the end tells every
/// reader that nothing more will come.
async fn post_over_sockets(
    room_ids: &[String],
    senders: Vec<Option<mpsc::Sender<String>>>,
    schedule: Schedule,
) -> Vec<Posted> {
    let start = tokio::time::Instant::now();
    let mut posted = Vec::with_capacity(schedule.total);
    for j in 0..schedule.total {
        let (r, k, sender) = schedule.slot(j);
        schedule.pace(start, j).await;
        let sent = schedule.clock.elapsed();
        let (content, metadata) = message(r, k, sent);
        let frame = json!({
            "type": "message.send",
            "id": deliver::request_id(sent, k),
            "data": {
                "room_id": room_ids.get(r).map_or("", String::as_str),
                "content": content,
                "metadata": metadata,
            },
        })
        .to_string();
        let sender = senders.get(sender).and_then(Option::as_ref);
        let result = match sender {
            Some(sender) => match timeout(HANDOFF_DEADLINE, sender.send(frame)).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(_)) => Err(anyhow!("the sender's socket reader has ended")),
                Err(_) => Err(anyhow!(
                    "the sender's socket reader took no frame for {HANDOFF_DEADLINE:?}"
                )),
            },
            None => Err(anyhow!("no socket for the sender")),
        };
        posted.push((r, k, result, None));
    }
    posted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_room_gets_its_messages_by_turns() {
        // Message j → room j mod R, index j div R, sender k mod M: each room gets
        // indices 0..messages, and its members take turns.
        let (rooms, members, messages) = (3, 2, 4);
        let schedule = Schedule {
            rooms,
            members,
            total: rooms * messages,
            period: None,
            clock: Instant::now(),
        };
        let mut got = vec![Vec::new(); rooms];
        let mut senders = vec![Vec::new(); rooms];
        for j in 0..schedule.total {
            let (r, k, sender) = schedule.slot(j);
            got[r].push(k);
            senders[r].push(sender);
        }
        assert!(got.iter().all(|room| *room == vec![0, 1, 2, 3]));
        assert_eq!(senders[1], vec![2, 3, 2, 3]);
    }
}
