//! Load scenarios for ChatAPI, driven over its real REST and WebSocket API. Each
//! scenario sets up what it needs through the public endpoints, measures, prints plain
//! figures on stdout and stops by itself: every loop is bounded in count and time.
//!
//! ```text
//! cargo build --release --bin chatapi
//! cargo run --release -p loadtest -- fanout [--url http://127.0.0.1:8000 | --redis]
//!     [--sockets 1000] [--messages 200] [--rate 20]
//! cargo run --release -p loadtest -- crossnode [--sockets 1000] [--messages 200] [--rate 20]
//! cargo run --release -p loadtest -- revoke [--users 200]
//! cargo run --release -p loadtest -- rest [--connections 64] [--seconds 10] [--requests N]
//!     [--rooms 1] [--url … | --redis] [--json]
//! cargo run --release -p loadtest -- login [--connections 64] [--seconds 10] [--users 1000]
//!     [--url … | --redis] [--json]
//! cargo run --release -p loadtest -- get [--connections 64] [--seconds 10] [--url … | --redis] [--json]
//! cargo run --release -p loadtest -- rooms [--rooms 100] [--members 10] [--messages 20] [--via rest|ws]
//!     [--rate 200] [--url … | --redis] [--json]
//! cargo run --release -p loadtest -- bigroom [--sockets 10000] [--messages 5]
//!     [--url … | --redis] [--json]
//! ```
//!
//! Without `--url` the tool starts `target/release/chatapi` itself (or `$CHATAPI_BIN`)
//! on a free loopback port and kills it at the end; with Redis (`--redis`,
//! `crossnode`, `revoke`) it starts a private `redis-server` too. A server it started
//! is also measured: its CPU time over the measured phase (and, in `bigroom`, its
//! memory). Only loopback addresses are
//! ever contacted: a `--url` naming any other host is refused.
//!
//! # Layout
//! - `main.rs`: arguments and dispatch.
//! - [`server`]: a child `chatapi` node, killed on drop.
//! - [`redis`]: a child `redis-server` for the nodes of one run, killed on drop.
//! - [`cluster`]: two nodes on one such Redis, for the cross-node scenarios.
//! - [`api`]: the REST calls the scenarios set up with.
//! - [`measure`]: one room's delivery, measured and printed; shared by the scenarios.
//! - [`fanout`]: one node: one room, many subscriber sockets, one publisher.
//! - [`crossnode`]: two nodes over Redis: publisher on one, subscribers on the other.
//! - [`revoke`]: two nodes over Redis: logins on one close the old keys' sockets on
//!   the other; how fast.
//! - [`rest`, `login`, `get`](requests): a closed loop of one REST call at C
//!   connections ([`hammer`]); requests/s, latency, errors by status, CPU per request.
//! - [`rooms`]: many small rooms, a socket per member, posts at a total rate; loss
//!   and per-room `seq` order.
//! - [`bigroom`]: one room of N sockets: fill time, connects/s, memory per
//!   connection, delivery of a few messages to all.
//! - [`deliver`]: the socket readers of `rooms` and `bigroom`, and their figures.
//! - [`arrivals`]: what the readers of [`measure`] and [`deliver`] share: the frames
//!   they parse, one socket's count of the stamped messages it read, and the sum of
//!   those counts for the figures.
//! - [`node`]: the one node of a single-node scenario (`--url`, memory or `--redis`).
//! - [`procfs`]: a started server's CPU time and resident memory from `/proc`.
//! - [`report`]: the summary table, or `--json`'s object, with the `result`.
//! - [`progress`]: progress bars on stderr while a phase runs.
//! - [`stats`]: latency histogram and figure formatting.

mod api;
mod arrivals;
mod bigroom;
mod child;
mod cluster;
mod crossnode;
mod deliver;
mod fanout;
mod hammer;
mod measure;
mod node;
mod procfs;
mod progress;
mod redis;
mod report;
mod requests;
mod revoke;
mod rooms;
mod server;
mod stats;

use std::{future::Future, process::ExitCode};

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use tokio::signal::unix::{signal, SignalKind};

#[derive(Parser)]
#[command(version, about = "Load scenarios for ChatAPI (loopback only)")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// One node, one room, N subscriber sockets, one publisher over REST: deliveries
    /// per second and delivery latency.
    Fanout(FanoutArgs),
    /// Two nodes over one Redis: setup and publisher on node 1, the N subscriber
    /// sockets on node 2; the same figures as fanout, for deliveries across nodes.
    Crossnode(CrossnodeArgs),
    /// Two nodes over one Redis: each user's socket on node 2, then one login at a
    /// time on node 1, which revokes the user's key; how soon node 2 closes the socket.
    Revoke(RevokeArgs),
    /// `POST /messages` at C connections, one user each, into one room or spread over
    /// many: requests per second, latency, errors by status, server CPU per request.
    Rest(RestArgs),
    /// `POST /users/login` (master key) at C connections over a pool of users:
    /// requests per second, latency, server CPU per request.
    Login(LoginArgs),
    /// `GET /users/me` with user keys at C connections: requests per second, latency,
    /// server CPU per request.
    Get(GetArgs),
    /// Many rooms of a few members, every member with a socket, publishers posting
    /// over REST at a total rate: deliveries per second, latency, loss, per-room order.
    Rooms(RoomsArgs),
    /// One room of N sockets: time to fill it, connects per second, server memory per
    /// connection, then a few messages to all: delivery latency and loss.
    Bigroom(BigroomArgs),
}

/// Which node a single-node scenario loads, and how it prints.
#[derive(Args)]
pub struct NodeArgs {
    /// A running server (loopback only), e.g. http://127.0.0.1:8000. Without it the
    /// tool starts its own from target/release/chatapi or $CHATAPI_BIN (and can then
    /// report the server's CPU time).
    #[arg(long, conflicts_with = "redis")]
    pub url: Option<String>,
    /// Start the node with a private redis-server (the repository's redis.conf) as
    /// its store instead of memory.
    #[arg(long)]
    pub redis: bool,
    /// Print one JSON object instead of the table (same figures; `result` and
    /// `clean` fields; the exit status is the same).
    #[arg(long)]
    pub json: bool,
}

/// The closed request loop of `rest`, `login` and `get`.
#[derive(Args)]
pub struct HammerArgs {
    /// Concurrent connections, each sending its next request when the last is answered.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub connections: u32,
    /// How long the loop runs (also the bound with --requests).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub seconds: u64,
    /// Stop after this many requests in all (or at --seconds, whichever comes first).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub requests: Option<u64>,
}

#[derive(Args)]
pub struct RestArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    #[command(flatten)]
    pub hammer: HammerArgs,
    /// Rooms the messages are spread over; every connection's user is in all of them.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub rooms: u32,
}

#[derive(Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    #[command(flatten)]
    pub hammer: HammerArgs,
    /// Users logged in by turns (each login rotates that user's key).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub users: u32,
}

#[derive(Args)]
pub struct GetArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    #[command(flatten)]
    pub hammer: HammerArgs,
}

#[derive(Args)]
pub struct RoomsArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    /// Rooms, each with its own members.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub rooms: u32,
    /// Members per room, each with one WebSocket; members post by turns.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=100))]
    pub members: u32,
    /// Messages posted into each room.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub messages: u32,
    /// Messages per second over all rooms; 0 posts as fast as the in-flight cap allows.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub rate: u32,
    /// How the members post: `rest` (POST /messages) or `ws` (a `message.send` frame
    /// on the sender's own socket, answered by an `ack`).
    #[arg(long, value_enum, default_value_t = Via::Rest)]
    pub via: Via,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Via {
    Rest,
    Ws,
}

#[derive(Args)]
pub struct BigroomArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    /// Member sockets in the one room, one user each.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=50_000))]
    pub sockets: u32,
    /// Messages sent to all, one at a time (each waits for the last to be delivered).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub messages: u32,
}

#[derive(Args)]
pub struct FanoutArgs {
    /// A running server (loopback only), e.g. http://127.0.0.1:8000. Without it the
    /// tool starts its own from target/release/chatapi or $CHATAPI_BIN.
    #[arg(long, conflicts_with = "redis")]
    pub url: Option<String>,
    /// Start the node with a private redis-server (the repository's redis.conf) as
    /// its store instead of memory.
    #[arg(long)]
    pub redis: bool,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Args)]
pub struct CrossnodeArgs {
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Args)]
pub struct RevokeArgs {
    /// Users, one socket each on node 2, logged in one at a time on node 1.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub users: u32,
}

/// The load of `fanout` and `crossnode`.
#[derive(Args)]
pub struct LoadArgs {
    /// Subscriber WebSockets, one user each, all in the one room.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    pub sockets: u32,
    /// Messages the publisher sends.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub messages: u32,
    /// Messages per second; 0 sends as fast as possible.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub rate: u32,
    /// Posts the publisher keeps outstanding at most. With 1 (the default) each post
    /// waits for the previous answer, so the rate is capped by one round trip, which
    /// is the room's whole fan-out; more lets the offered rate be reached.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    pub in_flight: u32,
}

/// Descriptors the tool needs beyond one per socket: stdio, the REST pool, the log.
const SPARE_FILES: u64 = 256;

/// Exit status 0: a clean run; 1: an error, or a run that finished but was not clean
/// (its last line says why), so a script can tell either from a good run.
fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            // The cause chain, one line each; no backtrace even with RUST_BACKTRACE set,
            // as every error here already names the step that failed.
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<bool> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    match cli.scenario {
        Scenario::Fanout(args) => {
            raise_file_limit(u64::from(args.load.sockets) + SPARE_FILES)?;
            runtime.block_on(until_interrupted(fanout::run(args)))
        }
        Scenario::Crossnode(args) => {
            raise_file_limit(u64::from(args.load.sockets) + SPARE_FILES)?;
            runtime.block_on(until_interrupted(crossnode::run(args)))
        }
        Scenario::Revoke(args) => {
            raise_file_limit(u64::from(args.users) + SPARE_FILES)?;
            runtime.block_on(until_interrupted(revoke::run(args)))
        }
        Scenario::Rest(args) => {
            raise_file_limit(u64::from(args.hammer.connections) + SPARE_FILES)?;
            runtime.block_on(until_interrupted(requests::rest(args)))
        }
        Scenario::Login(args) => {
            raise_file_limit(u64::from(args.hammer.connections) + SPARE_FILES)?;
            runtime.block_on(until_interrupted(requests::login(args)))
        }
        Scenario::Get(args) => {
            raise_file_limit(u64::from(args.hammer.connections) + SPARE_FILES)?;
            runtime.block_on(until_interrupted(requests::get(args)))
        }
        Scenario::Rooms(args) => {
            let sockets = u64::from(args.rooms) * u64::from(args.members);
            raise_file_limit(sockets + SPARE_FILES)?;
            runtime.block_on(until_interrupted(rooms::run(args)))
        }
        Scenario::Bigroom(args) => {
            raise_file_limit(u64::from(args.sockets) + SPARE_FILES)?;
            runtime.block_on(until_interrupted(bigroom::run(args)))
        }
    }
}

/// Runs a scenario unless SIGINT or SIGTERM comes first. Then the scenario's future is
/// dropped, which runs its guards: the server it started is killed rather than left
/// behind, and every socket task is aborted.
async fn until_interrupted(scenario: impl Future<Output = Result<bool>>) -> Result<bool> {
    let terminate = async {
        match signal(SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            // Without a handler, SIGTERM keeps its default action; Ctrl-C still works.
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        outcome = scenario => outcome,
        _ = tokio::signal::ctrl_c() => bail!("interrupted (SIGINT)"),
        () = terminate => bail!("interrupted (SIGTERM)"),
    }
}

/// Each socket is a file descriptor here and one in the server, which inherits this
/// process's limit when the tool starts it; the usual soft limit of 1024 is too low
/// for the default 1000 sockets, so raise it towards the hard limit.
fn raise_file_limit(needed: u64) -> Result<()> {
    let got = rlimit::increase_nofile_limit(needed.saturating_mul(2))
        .context("cannot read or raise the open-file limit")?;
    if got < needed {
        bail!(
            "the open-file limit is {got}, below the {needed} this run needs; \
             raise it (e.g. `ulimit -n 65536`) or use fewer --sockets"
        );
    }
    Ok(())
}
