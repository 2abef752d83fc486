//! The one node a single-node scenario loads: a server given with `--url`, or one the
//! tool starts itself with its state in memory or (`--redis`) in a private Redis.
//! Every single-node scenario starts its node here, so all of them stop it alike.

use anyhow::{Context, Result};
use reqwest::Url;

use crate::{
    api::{self, Api},
    procfs::CpuMeter,
    redis::RedisGuard,
    report::Report,
    server::{self, ServerGuard},
    NodeArgs,
};

pub struct Node {
    // Fields drop in declaration order: the node is killed before its Redis, so it
    // never sees the store vanish, on success, error or panic alike.
    server: Option<ServerGuard>,
    redis: Option<RedisGuard>,
    api: Api,
}

impl Node {
    pub async fn start(args: &NodeArgs) -> Result<Self> {
        Self::start_with(args.url.as_deref(), args.redis).await
    }

    /// The same from the parts of [`NodeArgs`] that say which node: `fanout` has its
    /// own arguments, without `--json`.
    pub async fn start_with(url: Option<&str>, redis: bool) -> Result<Self> {
        let redis = if redis {
            Some(RedisGuard::start().await?)
        } else {
            None
        };
        let (server, url) = match url {
            Some(url) => (None, api::loopback_url(url)?),
            None => {
                let server = ServerGuard::start(redis.as_ref()).await?;
                let url = Url::parse(server.base()).context("the server's own URL")?;
                (Some(server), url)
            }
        };
        let api = Api::new(&url)?;
        Ok(Self { server, redis, api })
    }

    pub fn api(&self) -> &Api {
        &self.api
    }

    /// The started server's pid; `None` with `--url`.
    pub fn pid(&self) -> Option<u32> {
        self.server.as_ref().map(ServerGuard::pid)
    }

    /// Starts counting the started server's CPU time; `None` with `--url`.
    pub fn cpu_meter(&self) -> Result<Option<CpuMeter>> {
        let pids: Vec<u32> = self.pid().into_iter().collect();
        CpuMeter::start(&pids)
    }

    /// Starts counting the private Redis's CPU time; `None` without one.
    pub fn redis_cpu_meter(&self) -> Result<Option<CpuMeter>> {
        let pids: Vec<u32> = self.redis.iter().map(RedisGuard::pid).collect();
        CpuMeter::start(&pids)
    }

    /// `memory`, `redis` or `url` (the store of a server given with `--url` is unknown).
    pub fn store(&self) -> &'static str {
        match (&self.server, &self.redis) {
            (None, _) => "url",
            (Some(_), Some(_)) => "redis",
            (Some(_), None) => "memory",
        }
    }

    /// The `server log:` and `redis log:` lines that end a printed run (`fanout`).
    pub fn report_logs(&self) {
        if let Some(server) = &self.server {
            server::report_log("server", server.log_path());
        }
        if let Some(redis) = &self.redis {
            redis.report_log();
        }
    }

    /// The `server` and `redis` log rows and notes that end a run.
    pub fn note_logs(&self, report: &mut Report) {
        if let Some(server) = &self.server {
            server::note_log(report, "server", server.log_path());
        }
        if let Some(redis) = &self.redis {
            redis.note_log(report);
        }
    }
}
