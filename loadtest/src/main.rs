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
//! ```
//!
//! Without `--url` the tool starts `target/release/chatapi` itself (or `$CHATAPI_BIN`)
//! on a free loopback port and kills it at the end; with Redis (`fanout --redis`,
//! `crossnode`, `revoke`) it starts a private `redis-server` too. Only loopback addresses are
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
//! - [`stats`]: latency histogram and figure formatting.

mod api;
mod child;
mod cluster;
mod crossnode;
mod fanout;
mod measure;
mod redis;
mod revoke;
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
    /// Messages per second; 0 sends as fast as possible, one at a time.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub rate: u32,
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
