//! A private `redis-server` for one run, as a child process: Debian's binary with the
//! repository's `redis.conf`, on a free loopback port, its data in a temporary
//! directory. [`RedisGuard`] kills it and removes that directory when dropped, as
//! [`crate::server::ServerGuard`] does for a node. The test harness starts its
//! `RedisServer` the same way (`tests/api/helpers.rs`).

use std::{
    fs::File,
    net::Ipv4Addr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use anyhow::{bail, Context, Result};
use tempfile::TempDir;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::{sleep, timeout, Instant},
};

use crate::child::{free_port, log_tail, note_lines, LOG_LINES_SHOWN};

/// How long Redis gets to answer `PING` after it is started.
const READY_DEADLINE: Duration = Duration::from_secs(10);
/// Pause between two probes.
const PROBE_INTERVAL: Duration = Duration::from_millis(50);
/// One probe, from connect to reply.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// The line Redis logs once it accepts clients; what it logs after that happened
/// during the run, while what comes before is its start-up banner.
const READY_LINE: &str = "Ready to accept connections";

pub struct RedisGuard {
    /// Killed and reaped in `drop`, before `dir` is removed.
    child: Child,
    port: u16,
    /// The run's key prefix, handed to every node; unique per run, so the keys of
    /// two runs never mix even if a server were shared.
    prefix: String,
    /// Redis' stdout and stderr (`logfile ""` in `redis.conf` sends its log there).
    log: PathBuf,
    /// `--dir`: the append-only file `redis.conf` turns on is written here. Removed
    /// when the guard is dropped, after the child is dead (fields drop after `drop`).
    _dir: TempDir,
}

impl RedisGuard {
    /// Starts `redis-server` and waits until it answers `PING` with `PONG`.
    pub async fn start() -> Result<Self> {
        let conf = conf_path();
        if !conf.is_file() {
            bail!("no Redis configuration at {}", conf.display());
        }
        let port = free_port()?;
        let dir = tempfile::Builder::new()
            .prefix("chatapi-loadtest-redis-")
            .tempdir()
            .context("cannot create Redis' data directory")?;
        let log = std::env::temp_dir().join(format!("chatapi-loadtest-redis-{port}.log"));
        let out = File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
        let err = out.try_clone().context("cannot share the Redis log file")?;
        // Values on the command line win over the file's: a free port, a private
        // directory, no RDB snapshots, loopback only, in the foreground so that
        // killing the child kills Redis. The append-only file stays as configured, so
        // the store costs what it costs in production.
        let child = Command::new("redis-server")
            .arg(&conf)
            .args(["--port", &port.to_string()])
            .arg("--dir")
            .arg(dir.path())
            .args(["--save", "", "--daemonize", "no", "--bind", "127.0.0.1"])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .context(
                "cannot start redis-server; is it installed (apt-get install redis-server)?",
            )?;
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut guard = Self {
            child,
            port,
            prefix: format!(
                "loadtest:{}-{}:",
                std::process::id(),
                since_epoch.as_nanos()
            ),
            log,
            _dir: dir,
        };
        guard.wait_ready().await?;
        Ok(guard)
    }

    /// `redis://127.0.0.1:<port>`, for a node's `REDIS_URL`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The child's process id, for its CPU time.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// For a node's `CHATAPI_REDIS_PREFIX`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Prints how many lines Redis logged after it became ready, and the first few:
    /// `redis log: N lines during the run (<path>)`. Its start-up banner (and the
    /// host's memory-overcommit warning in it) is left out; a line during the run,
    /// such as a slow fsync or a client dropped for its output buffer, is news.
    pub fn report_log(&self) {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let during = during_run(&text);
        println!(
            "redis log: {} lines during the run ({})",
            during.len(),
            self.log.display()
        );
        for line in during.iter().take(LOG_LINES_SHOWN) {
            println!("  | {line}");
        }
        if during.len() > LOG_LINES_SHOWN {
            println!("  | … ({})", log_tail(&self.log, 1));
        }
    }

    /// The same for a [`crate::report::Report`]: a `redis_log_lines` row and the first
    /// lines logged during the run as notes.
    pub fn note_log(&self, report: &mut crate::report::Report) {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let during = during_run(&text);
        note_lines(report, "redis", &self.log, &during);
    }

    /// Probes until `PONG`, the deadline, or the child's exit (whose log tail then
    /// explains why).
    async fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + READY_DEADLINE;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().context("cannot poll redis-server")? {
                bail!(
                    "redis-server exited ({status}) before it was ready; its log ({}):\n{}",
                    self.log.display(),
                    log_tail(&self.log, LOG_LINES_SHOWN)
                );
            }
            if answers_ping(self.port).await {
                return Ok(());
            }
            sleep(PROBE_INTERVAL).await;
        }
        bail!(
            "redis-server did not answer PING on port {} within {READY_DEADLINE:?}; its log ({}):\n{}",
            self.port,
            self.log.display(),
            log_tail(&self.log, LOG_LINES_SHOWN)
        )
    }
}

impl Drop for RedisGuard {
    /// SIGKILL, as for a node: the data belongs to this run only. A scenario drops
    /// its nodes first, so they never see their store vanish under them.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The lines of Redis' log after [`READY_LINE`]: what it logged during the run,
/// without its start-up banner. None if it never got ready.
fn during_run(log: &str) -> Vec<&str> {
    log.lines()
        .skip_while(|line| !line.contains(READY_LINE))
        .skip(1)
        .collect()
}

/// The repository's `redis.conf`, beside the workspace's `Cargo.toml`.
fn conf_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../redis.conf")
}

/// One `PING` in the inline protocol. While Redis loads its data it answers
/// `-LOADING …` instead, which is not ready yet either.
async fn answers_ping(port: u16) -> bool {
    let probe = async {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.ok()?;
        stream.write_all(b"PING\r\n").await.ok()?;
        let mut reply = [0u8; 7];
        stream.read_exact(&mut reply).await.ok()?;
        Some(&reply == b"+PONG\r\n")
    };
    matches!(timeout(PROBE_TIMEOUT, probe).await, Ok(Some(true)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_lines_after_ready_count() {
        let log = "banner\nWARNING overcommit\n1:M * Ready to accept connections tcp\nslow fsync\n";
        assert_eq!(during_run(log), vec!["slow fsync"]);
        assert!(during_run("banner\n").is_empty());
    }
}
