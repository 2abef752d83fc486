//! The server under test, as a child process: the release `chatapi` binary on a free
//! loopback port, with its state in memory or in a [`RedisGuard`]'s server.
//! [`ServerGuard`] kills it when dropped, so an error or a panic in a scenario never
//! leaves a server behind (mini-redis's drop-guard idea).

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use anyhow::{bail, Context, Result};
use tokio::time::{sleep, Instant};

use crate::{
    child::{free_port, log_tail, note_lines, LOG_LINES_SHOWN},
    redis::RedisGuard,
    report::Report,
};

/// How long the server gets to answer `GET /health` after it is started.
const READY_DEADLINE: Duration = Duration::from_secs(20);
/// Pause between two health probes.
const PROBE_INTERVAL: Duration = Duration::from_millis(100);
/// Log lines shown when the server fails to start.
const LOG_TAIL_LINES: usize = 20;

pub struct ServerGuard {
    /// Killed and reaped in `drop`.
    child: Child,
    /// `http://127.0.0.1:<port>`.
    base: String,
    /// The server's stdout and stderr go here, not to our stdout, so the figures stay
    /// readable; the scenario reports what the server logged at the end.
    log: PathBuf,
}

impl ServerGuard {
    /// Starts the binary and waits until `GET /api/v1/health` answers 200. With
    /// `redis`, the node keeps its state there under the run's key prefix, so every
    /// node given the same guard is one cluster; without, it keeps it in memory.
    pub async fn start(redis: Option<&RedisGuard>) -> Result<Self> {
        let binary = binary_path();
        if !binary.is_file() {
            bail!(
                "no server binary at {}; build it with `cargo build --release --bin chatapi` \
                 (with CARGO_TARGET_DIR set, point $CHATAPI_BIN at <target dir>/release/chatapi)",
                binary.display()
            );
        }
        let port = free_port()?;
        let log = std::env::temp_dir().join(format!("chatapi-loadtest-{port}.log"));
        let out = File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
        let err = out
            .try_clone()
            .context("cannot share the server log file")?;
        let mut command = Command::new(&binary);
        command
            .env("CHATAPI_HOST", "127.0.0.1")
            .env("CHATAPI_PORT", port.to_string())
            .env("CHATAPI_LOG", "warn")
            // A load run measures the server, not its abuse limits (API.md §8: `0`
            // turns each off).
            .env("CHATAPI_RATE_MESSAGES_PER_SEC", "0")
            .env("CHATAPI_RATE_MESSAGES_BURST", "0")
            .env("CHATAPI_RATE_LOGINS_PER_MIN", "0")
            .env("CHATAPI_RATE_WS_CONNECTS_PER_MIN", "0")
            .env("CHATAPI_RATE_AUTH_FAILURES_PER_MIN", "0")
            // The server refuses to start on an unknown CHATAPI_* variable, and this one
            // is ours, not its.
            .env_remove("CHATAPI_BIN");
        // The store is the scenario's choice, never one inherited from this shell: a
        // stray REDIS_URL would turn a memory run into a Redis one unannounced.
        match redis {
            Some(redis) => command
                .env("REDIS_URL", redis.url())
                .env("CHATAPI_REDIS_PREFIX", redis.prefix()),
            None => command
                .env_remove("REDIS_URL")
                .env_remove("CHATAPI_REDIS_PREFIX"),
        };
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut guard = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        guard.wait_ready().await?;
        Ok(guard)
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The child's process id, for its CPU time and memory in `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `/health` until 200, the deadline, or the child's exit (whose log tail
    /// then explains why).
    async fn wait_ready(&mut self) -> Result<()> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(1))
            .build()
            .context("cannot build the HTTP client")?;
        let url = format!("{}/api/v1/health", self.base);
        let deadline = Instant::now() + READY_DEADLINE;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().context("cannot poll the server")? {
                bail!(
                    "the server exited ({status}) before it was ready; its log ({}):\n{}",
                    self.log.display(),
                    log_tail(&self.log, LOG_TAIL_LINES)
                );
            }
            if let Ok(response) = http.get(&url).send().await {
                if response.status() == reqwest::StatusCode::OK {
                    return Ok(());
                }
            }
            sleep(PROBE_INTERVAL).await;
        }
        bail!(
            "the server did not answer {url} with 200 within {READY_DEADLINE:?}; its log ({}):\n{}",
            self.log.display(),
            log_tail(&self.log, LOG_TAIL_LINES)
        )
    }
}

impl Drop for ServerGuard {
    /// SIGKILL rather than a graceful SIGTERM: the server keeps its state in memory
    /// for this run only, so there is nothing to flush, and std offers no SIGTERM
    /// without `unsafe`.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$CHATAPI_BIN`, or the workspace's `target/release/chatapi`.
fn binary_path() -> PathBuf {
    match std::env::var_os("CHATAPI_BIN") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/chatapi"),
    }
}

/// Prints how much a child logged and its first few lines: `<name> log: N lines at
/// warn or above (<path>)`. The servers run at `warn`, so any line is news.
pub fn report_log(name: &str, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    print_log_lines(name, path, &lines);
}

/// The same for a [`Report`]: a `<name>_log_lines` row (lines at warn or above) and
/// the first few lines as notes. As in the other scenarios, a line does not make the
/// run unclean, but it is news: the server runs at `warn`.
pub fn note_log(report: &mut Report, name: &str, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    note_lines(report, name, path, &lines);
}

fn print_log_lines(name: &str, path: &Path, lines: &[&str]) {
    println!(
        "{name} log: {} lines at warn or above ({})",
        lines.len(),
        path.display()
    );
    for line in lines.iter().take(LOG_LINES_SHOWN) {
        println!("  | {line}");
    }
    if lines.len() > LOG_LINES_SHOWN {
        println!("  | … ({})", log_tail(path, 1));
    }
}
