//! The `fanout` scenario: one node, one room, N subscriber sockets and one publisher
//! posting over REST, all on that node. It measures what one room's fan-out costs
//! (see [`crate::measure`] for how). The node keeps its state in memory, or with
//! `--redis` in a private `redis-server`, which prices the store against the same
//! fan-out.

use anyhow::{Context, Result};
use reqwest::Url;

use crate::{
    api::{self, Api},
    measure::{self, Target},
    redis::RedisGuard,
    server::{self, ServerGuard},
    FanoutArgs,
};

/// Runs the scenario and prints its figures; `Ok(false)` for a run that was not clean.
pub async fn run(args: FanoutArgs) -> Result<bool> {
    measure::check(&args.load)?;
    // Locals drop in reverse order: the node (if any) is killed before its Redis, so
    // it never sees the store vanish, on success, error or panic alike.
    let redis = if args.redis {
        Some(RedisGuard::start().await?)
    } else {
        None
    };
    let (server, url) = match &args.url {
        Some(url) => (None, api::loopback_url(url)?),
        None => {
            let server = ServerGuard::start(redis.as_ref()).await?;
            let url = Url::parse(server.base()).context("the server's own URL")?;
            (Some(server), url)
        }
    };
    let api = Api::new(&url)?;
    let pids: Vec<u32> = server.iter().map(ServerGuard::pid).collect();
    let target = Target {
        setup: &api,
        publish: &api,
        subscribe: &api,
        servers: &pids,
    };
    let label = if args.redis {
        "fanout --redis"
    } else {
        "fanout"
    };
    let outcome = measure::run(label, &args.load, target).await;
    if let Some(server) = &server {
        server::report_log("server", server.log_path());
    }
    if let Some(redis) = &redis {
        redis.report_log();
    }
    outcome
}
