//! The `fanout` scenario: one node, one room, N subscriber sockets and one publisher
//! posting over REST, all on that node. It measures what one room's fan-out costs
//! (see [`crate::measure`] for how). The node keeps its state in memory, or with
//! `--redis` in a private `redis-server`, which prices the store against the same
//! fan-out.

use anyhow::Result;

use crate::{
    measure::{self, Target},
    node::Node,
    FanoutArgs,
};

/// Runs the scenario and prints its figures; `Ok(false)` for a run that was not clean.
pub async fn run(args: FanoutArgs) -> Result<bool> {
    measure::check(&args.load)?;
    let node = Node::start_with(args.url.as_deref(), args.redis).await?;
    let api = node.api();
    let pids: Vec<u32> = node.pid().into_iter().collect();
    let target = Target {
        setup: api,
        publish: api,
        subscribe: api,
        servers: &pids,
    };
    let label = if args.redis {
        "fanout --redis"
    } else {
        "fanout"
    };
    let outcome = measure::run(label, &args.load, target).await;
    node.report_logs();
    outcome
}
