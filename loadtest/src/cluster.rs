//! Two nodes sharing one private `redis-server`: the cluster the cross-node scenarios
//! ([`crate::crossnode`], [`crate::revoke`]) run on. Node 1 is where a scenario acts,
//! node 2 where it watches, so whatever node 2 shows has crossed Redis.

use anyhow::{Context, Result};
use reqwest::Url;

use crate::{
    api::Api,
    redis::RedisGuard,
    server::{self, ServerGuard},
};

pub struct TwoNodes {
    // Fields drop in declaration order: both nodes are killed before Redis, so
    // neither sees its store vanish, on success, error or panic alike.
    node1: ServerGuard,
    node2: ServerGuard,
    redis: RedisGuard,
}

impl TwoNodes {
    /// Starts Redis, then both nodes on it side by side, under the run's one key
    /// prefix. Whatever started is killed again if a later step fails.
    pub async fn start() -> Result<Self> {
        let redis = RedisGuard::start().await?;
        let (node1, node2) = tokio::try_join!(
            ServerGuard::start(Some(&redis)),
            ServerGuard::start(Some(&redis)),
        )?;
        Ok(Self {
            node1,
            node2,
            redis,
        })
    }

    /// A REST client for node 1 and one for node 2.
    pub fn apis(&self) -> Result<(Api, Api)> {
        let node1 = Api::new(&Url::parse(self.node1.base()).context("node 1's own URL")?)?;
        let node2 = Api::new(&Url::parse(self.node2.base()).context("node 2's own URL")?)?;
        Ok((node1, node2))
    }

    /// Both nodes' pids, for their CPU time.
    pub fn pids(&self) -> [u32; 2] {
        [self.node1.pid(), self.node2.pid()]
    }

    /// The `node 1 log:`, `node 2 log:` and `redis log:` lines that end a run.
    pub fn report_logs(&self) {
        server::report_log("node 1", self.node1.log_path());
        server::report_log("node 2", self.node2.log_path());
        self.redis.report_log();
    }
}
