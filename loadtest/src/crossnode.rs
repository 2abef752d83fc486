//! The `crossnode` scenario: two nodes sharing one private `redis-server`, the room's
//! subscribers on node 2 and everything else on node 1. Node 1 creates the client,
//! users and room, and takes the publisher's posts; each message reaches node 2 only
//! through Redis pub/sub, and node 2 fans it out to its sockets. The figures are the
//! `fanout` ones (see [`crate::measure`]), so the two compare line by line: the
//! difference is the price of the hop through Redis.

use anyhow::{Context, Result};
use reqwest::Url;

use crate::{
    api::Api,
    measure::{self, Target},
    redis::RedisGuard,
    server::{self, ServerGuard},
    CrossnodeArgs,
};

/// Runs the scenario and prints its figures; `Ok(false)` for a run that was not clean.
pub async fn run(args: CrossnodeArgs) -> Result<bool> {
    measure::check(&args.load)?;
    // Locals drop in reverse order: both nodes are killed before Redis, so neither
    // sees its store vanish, on success, error or panic alike.
    let redis = RedisGuard::start().await?;
    let (publishing, subscribed) = tokio::try_join!(
        ServerGuard::start(Some(&redis)),
        ServerGuard::start(Some(&redis)),
    )?;
    let node1 = Api::new(&Url::parse(publishing.base()).context("node 1's own URL")?)?;
    let node2 = Api::new(&Url::parse(subscribed.base()).context("node 2's own URL")?)?;
    let target = Target {
        setup: &node1,
        publish: &node1,
        subscribe: &node2,
    };
    let outcome = measure::run("crossnode", &args.load, target).await;
    server::report_log("node 1", publishing.log_path());
    server::report_log("node 2", subscribed.log_path());
    redis.report_log();
    outcome
}
