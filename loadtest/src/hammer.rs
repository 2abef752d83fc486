//! A closed loop of REST requests: C workers, each with its own HTTP connection, each
//! sending its next request as soon as the previous one is answered, until
//! `--seconds` have passed (or `--requests` were sent). What `rest`, `login` and
//! `get` share: the loop, the counting of answers by status, and their rows in the
//! [`Report`].

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use anyhow::{Context, Result};
use reqwest::{Client, RequestBuilder};
use tokio::{
    task::JoinSet,
    time::{timeout_at, Instant},
};

use crate::{procfs::CpuMeter, progress::Phase, report::Report, stats::Latencies, HammerArgs};

/// Longest one request may take; a stuck request ends its worker's loop late by at
/// most this much, never hangs the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long after `--seconds` the workers get to finish their last request.
const FINISH_GRACE: Duration = Duration::from_secs(15);
/// A worker whose requests fail this many times in a row without an answer (the
/// server is gone) stops rather than spinning on refused connections.
const MAX_TRANSPORT_FAILURES_IN_A_ROW: u32 = 10;
/// Error bodies kept per status, shown under the table.
const BODY_SHOWN: usize = 200;

/// Builds worker `w`'s `n`th request (both 0-based) on the worker's own client.
pub type MakeRequest = dyn Fn(&Client, usize, u64) -> RequestBuilder + Send + Sync;

/// What the workers did, added up.
pub struct Outcome {
    /// Requests answered with 2xx.
    pub ok: u64,
    /// Requests that got no 2xx, by `HTTP <status>` or `transport error`.
    pub errors: BTreeMap<String, u64>,
    /// The first error body (or transport error) of each kind.
    pub first_errors: BTreeMap<String, String>,
    /// Round trip of each 2xx request, from just before it is sent to the moment its
    /// body has been read.
    pub latency: Latencies,
    /// From the start of the loop to the end of the last worker.
    pub took: Duration,
    /// The server's CPU time over `took`; `None` when the tool did not start it.
    pub cpu: Option<Duration>,
}

impl Outcome {
    pub fn failed(&self) -> u64 {
        self.errors.values().sum()
    }

    /// The figures every request scenario prints, `per` naming one operation.
    pub fn add_to(&self, report: &mut Report, per: &str) {
        let failed = self.failed();
        report.count("requests_ok", "requests (2xx)", self.ok);
        report.count("requests_failed", "requests failed", failed);
        report.seconds("took", "measured for", self.took);
        let per_sec = if self.took.is_zero() {
            0.0
        } else {
            self.ok as f64 / self.took.as_secs_f64()
        };
        report.rate("requests_per_sec", "requests/s (2xx)", per_sec);
        report.latency("latency", "latency", &self.latency);
        report.cpu(self.cpu, self.ok, per);
        for (kind, n) in &self.errors {
            let key = format!("errors_{}", kind.replace(' ', "_").to_lowercase());
            report.count(&key, &format!("errors: {kind}"), *n);
            if let Some(body) = self.first_errors.get(kind) {
                report.note(format!("first {kind}: {body}"));
            }
        }
        report.problem_if(failed, "requests failed");
        if self.ok == 0 {
            report.problem("no request succeeded".to_owned());
        }
    }
}

/// One client per worker, keeping at most one idle connection: C workers are then C
/// keep-alive connections, as `--connections` says.
fn worker_client() -> Result<Client> {
    Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(1)
        .tcp_nodelay(true)
        .build()
        .context("cannot build a worker's HTTP client")
}

/// One worker's share of the figures.
struct Share {
    ok: u64,
    errors: BTreeMap<String, u64>,
    first_errors: BTreeMap<String, String>,
    latency: Latencies,
}

/// Runs the loop with a progress bar labelled `what`; `cpu` (the server's, if the
/// tool started it) is read at the start and the end.
pub async fn run(
    args: &HammerArgs,
    what: &str,
    cpu: Option<CpuMeter>,
    make: Arc<MakeRequest>,
) -> Result<Outcome> {
    let duration = Duration::from_secs(args.seconds);
    let phase = Phase::timed(what, duration, "requests");
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = JoinSet::new();
    // The clients are built before the clock matters: a failure here is an error.
    for w in 0..usize::try_from(args.connections)? {
        let client = worker_client()?;
        let make = Arc::clone(&make);
        let issued = Arc::clone(&issued);
        let done = phase.counter();
        let max = args.requests;
        workers.spawn(async move {
            worker(client, w, deadline, max, &issued, &done, make.as_ref()).await
        });
    }
    let mut ok = 0;
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut first_errors = BTreeMap::new();
    let mut latency = Latencies::new()?;
    let grace = deadline + FINISH_GRACE;
    while let Ok(Some(joined)) = timeout_at(grace, workers.join_next()).await {
        let share = joined.context("a request worker panicked")??;
        ok += share.ok;
        for (kind, n) in share.errors {
            *errors.entry(kind).or_insert(0) += n;
        }
        for (kind, body) in share.first_errors {
            first_errors.entry(kind).or_insert(body);
        }
        latency.merge(&share.latency)?;
    }
    let took = started.elapsed();
    let cpu = cpu.map(|meter| meter.used()).transpose()?;
    let stuck = workers.len() as u64;
    workers.abort_all();
    if stuck > 0 {
        *errors.entry("worker stuck".to_owned()).or_insert(0) += stuck;
    }
    phase.finish();
    Ok(Outcome {
        ok,
        errors,
        first_errors,
        latency,
        took,
        cpu,
    })
}

/// One connection's loop: bounded by `deadline` and by `max` requests in all.
async fn worker(
    client: Client,
    w: usize,
    deadline: Instant,
    max: Option<u64>,
    issued: &AtomicU64,
    done: &AtomicU64,
    make: &MakeRequest,
) -> Result<Share> {
    let mut share = Share {
        ok: 0,
        errors: BTreeMap::new(),
        first_errors: BTreeMap::new(),
        latency: Latencies::new()?,
    };
    let mut transport_failures = 0;
    let mut n = 0;
    while Instant::now() < deadline {
        if let Some(max) = max {
            if issued.fetch_add(1, Ordering::Relaxed) >= max {
                break;
            }
        }
        let sent = Instant::now();
        let outcome = match make(&client, w, n).send().await {
            Ok(response) => {
                let status = response.status();
                match response.bytes().await {
                    Ok(_) if status.is_success() => Ok(()),
                    Ok(body) => Err((
                        format!("HTTP {}", status.as_u16()),
                        String::from_utf8_lossy(&body)
                            .chars()
                            .take(BODY_SHOWN)
                            .collect(),
                        false,
                    )),
                    Err(err) => Err(("transport error".to_owned(), err.to_string(), true)),
                }
            }
            Err(err) => Err(("transport error".to_owned(), format!("{err:#}"), true)),
        };
        done.fetch_add(1, Ordering::Relaxed);
        n += 1;
        match outcome {
            Ok(()) => {
                share.latency.record(sent.elapsed());
                share.ok += 1;
                transport_failures = 0;
            }
            Err((kind, body, transport)) => {
                *share.errors.entry(kind.clone()).or_insert(0) += 1;
                share.first_errors.entry(kind).or_insert(body);
                if transport {
                    transport_failures += 1;
                    if transport_failures >= MAX_TRANSPORT_FAILURES_IN_A_ROW {
                        break;
                    }
                } else {
                    transport_failures = 0;
                }
            }
        }
    }
    Ok(share)
}
