//! The `bigroom` scenario: one room of N member sockets. How long the room takes to
//! fill, how much server memory each connection costs, and how a message reaches all
//! N members.
//!
//! Phases, each bounded in count and time:
//! 1. setup over REST: a fresh client, N+1 users, the room made by user 0 (the
//!    publisher, who has no socket; `max_members` N+10) and N joins;
//! 2. the server's resident memory (`VmRSS`), then N sockets connect and authenticate
//!    (`auth`, then `ready`; [`CONNECT_CONCURRENCY`] at a time), then `VmRSS` again:
//!    the difference over N is the memory per connection. The room is above the
//!    presence limit (100 members by default), so no presence frames flow;
//! 3. a pause for the server's post-`ready` hold;
//! 4. `--messages` posts by the publisher, one at a time: each waits until all N
//!    sockets have it, at most [`MESSAGE_DEADLINE`], before the next is sent.

use std::{
    sync::{atomic::AtomicU64, Arc},
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use futures_util::{stream, StreamExt};
use serde_json::json;
use tokio::{sync::watch, task::JoinSet, time::sleep};

use crate::{
    arrivals::nanos,
    deliver,
    measure::{self, CONNECT_CONCURRENCY, SETUP_CONCURRENCY},
    node::Node,
    procfs,
    progress::Phase,
    report::Report,
    stats::Latencies,
    BigroomArgs,
};

/// The server's post-`ready` hold, and a margin (see [`crate::measure`]).
const SETTLE: Duration = Duration::from_millis(1500);
/// How long one message may take to reach every socket.
const MESSAGE_DEADLINE: Duration = Duration::from_secs(30);
/// The server's largest `max_members`.
const MAX_MEMBERS: u32 = 100_000;

/// Runs the scenario and prints its figures; `Ok(false)` for a run that was not clean.
pub async fn run(args: BigroomArgs) -> Result<bool> {
    let n = args.sockets;
    let messages = usize::try_from(args.messages)?;
    let node = Node::start(&args.node).await?;
    let api = node.api();
    let mut report = Report::new(if args.node.redis {
        "bigroom --redis"
    } else {
        "bigroom"
    });
    report.param("sockets", n);
    report.param("messages", args.messages);
    report.param("store", node.store());

    // 1. Setup.
    let fill = Instant::now();
    let master = api.register_client("loadtest bigroom").await?;
    let keys = {
        let phase = Phase::count("users", u64::from(n) + 1);
        let keys = api
            .create_users_counted(&master, n + 1, SETUP_CONCURRENCY, &phase.counter())
            .await?;
        phase.finish();
        keys
    };
    let users_took = fill.elapsed();
    let (publisher, members) = keys.split_first().context("no users were created")?;
    let started = Instant::now();
    let room_id = api
        .create_room(
            publisher,
            "loadtest bigroom",
            n.saturating_add(10).min(MAX_MEMBERS),
        )
        .await?;
    let pairs: Vec<(&str, &str)> = members
        .iter()
        .map(|key| (key.as_str(), room_id.as_str()))
        .collect();
    {
        let phase = Phase::count("joins", pairs.len() as u64);
        api.join_pairs(&pairs, SETUP_CONCURRENCY, &phase.counter())
            .await?;
        phase.finish();
    }
    let joins_took = started.elapsed();

    // 2. Sockets, between two readings of the server's memory.
    let rss_before = node.pid().map(procfs::rss_bytes).transpose()?;
    let clock = Instant::now();
    let delivered = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = watch::channel(false);
    let mut readers = JoinSet::new();
    let ws_url = api.ws_url();
    let started = Instant::now();
    {
        let phase = Phase::count("sockets", u64::from(n));
        let mut connecting = stream::iter(members.iter().enumerate())
            .map(|(i, key)| measure::connect(&ws_url, key, i))
            .buffer_unordered(CONNECT_CONCURRENCY);
        while let Some(socket) = connecting.next().await {
            // On an error `readers` is dropped, which aborts every reader.
            readers.spawn(deliver::read(
                socket?,
                0,
                messages,
                clock,
                Arc::clone(&delivered),
                stopped.clone(),
                None,
            ));
            phase.inc();
        }
        phase.finish();
    }
    let connect_took = started.elapsed();
    let fill_took = fill.elapsed();
    let rss_after = node.pid().map(procfs::rss_bytes).transpose()?;

    // 3. The post-`ready` hold.
    sleep(SETTLE).await;

    // 4. One message at a time to all.
    let cpu = node.cpu_meter()?;
    let redis_cpu = node.redis_cpu_meter()?;
    let mut accepted = vec![false; messages];
    let mut round_trips = Latencies::new()?;
    let mut failed = 0;
    let mut first_error = None;
    let mut late = 0;
    let first_post = clock.elapsed();
    {
        let total = u64::from(n) * u64::from(args.messages);
        let phase = Phase::follow("deliveries", total, Arc::clone(&delivered));
        let mut target = 0;
        for (k, slot) in accepted.iter_mut().enumerate() {
            let sent = clock.elapsed();
            let metadata = json!({"t": nanos(sent), "k": k, "r": 0});
            let result = api
                .post_message(
                    publisher,
                    &room_id,
                    &format!("bigroom message {k}"),
                    metadata,
                )
                .await;
            round_trips.record(clock.elapsed().saturating_sub(sent));
            match result {
                Ok(()) => {
                    *slot = true;
                    target += u64::from(n);
                }
                Err(err) => {
                    failed += 1;
                    first_error.get_or_insert_with(|| format!("{err:#}"));
                    continue;
                }
            }
            let deadline = tokio::time::Instant::now() + MESSAGE_DEADLINE;
            if !deliver::wait_for(&delivered, target, deadline).await {
                late += 1;
            }
        }
        phase.finish();
    }
    let cpu_used = cpu.map(|meter| meter.used()).transpose()?;
    let redis_cpu_used = redis_cpu.map(|meter| meter.used()).transpose()?;
    let rss_end = node.pid().map(procfs::rss_bytes).transpose()?;
    let (tallies, unfinished) = deliver::collect(readers, &stop).await?;

    report.seconds("fill", "fill: users + joins + sockets", fill_took);
    report.seconds("fill_users", "fill: users", users_took);
    report.seconds("fill_joins", "fill: joins", joins_took);
    report.seconds("fill_sockets", "fill: sockets ready", connect_took);
    let per_sec = if connect_took.is_zero() {
        0.0
    } else {
        f64::from(n) / connect_took.as_secs_f64()
    };
    report.rate("connects_per_sec", "connects/s (socket phase)", per_sec);
    match (rss_before, rss_after) {
        (Some(before), Some(after)) => {
            report.row(
                "rss_before_sockets_mib",
                "server RSS before sockets",
                mib(before),
                json!(mib_value(before)),
            );
            report.row(
                "rss_after_sockets_mib",
                "server RSS with all ready",
                mib(after),
                json!(mib_value(after)),
            );
            let per = after.saturating_sub(before) as f64 / f64::from(n);
            report.row(
                "rss_per_connection_kib",
                "server RSS per connection",
                format!("{:.1} KiB", per / 1024.0),
                json!((per / 1024.0 * 10.0).round() / 10.0),
            );
        }
        _ => report.row(
            "rss_per_connection_kib",
            "server RSS per connection",
            "n/a (--url)".to_owned(),
            serde_json::Value::Null,
        ),
    }
    if let Some(end) = rss_end {
        report.row(
            "rss_end_mib",
            "server RSS after the messages",
            mib(end),
            json!(mib_value(end)),
        );
    }
    let delivered = deliver::add_figures(
        &mut report,
        &tallies,
        u64::from(n),
        unfinished,
        std::slice::from_ref(&accepted),
        first_post,
    )?;
    report.cpu(cpu_used, delivered, "delivery");
    report.redis_cpu(redis_cpu_used);
    report.count(
        "posts_accepted",
        "posts accepted",
        accepted.iter().filter(|&&a| a).count() as u64,
    );
    report.count("posts_failed", "posts failed", failed);
    report.latency("post_round_trip", "post round trip", &round_trips);
    if let Some(err) = first_error {
        report.note(format!("first failed post: {err}"));
    }
    report.problem_if(failed, "posts failed");
    report.problem_if(late, "messages not delivered to all within 30 s");
    node.note_logs(&mut report);
    let clean = report.print(args.node.json);
    drop(tallies);
    Ok(clean)
}

/// Mebibytes with one decimal, for JSON.
fn mib_value(bytes: u64) -> f64 {
    (bytes as f64 / 1024.0 / 1024.0 * 10.0).round() / 10.0
}

/// `123.4 MiB`.
fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
}
