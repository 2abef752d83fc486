//! The `crossnode` scenario: two nodes sharing one private `redis-server`, the room's
//! subscribers on node 2 and everything else on node 1. Node 1 creates the client,
//! users and room, and takes the publisher's posts; each message reaches node 2 only
//! through Redis pub/sub, and node 2 fans it out to its sockets. The figures are the
//! `fanout` ones (see [`crate::measure`]), so the two compare line by line: the
//! difference is the price of the hop through Redis.

use anyhow::Result;

use crate::{
    cluster::TwoNodes,
    measure::{self, Target},
    CrossnodeArgs,
};

/// Runs the scenario and prints its figures; `Ok(false)` for a run that was not clean.
pub async fn run(args: CrossnodeArgs) -> Result<bool> {
    measure::check(&args.load)?;
    let cluster = TwoNodes::start().await?;
    let (node1, node2) = cluster.apis()?;
    let target = Target {
        setup: &node1,
        publish: &node1,
        subscribe: &node2,
        servers: &cluster.pids(),
    };
    let outcome = measure::run("crossnode", &args.load, target).await;
    cluster.report_logs();
    outcome
}
