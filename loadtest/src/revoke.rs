//! The `revoke` scenario: how fast a key revocation on one node closes the old key's
//! WebSocket on another. Every issue of a scoped key revokes the previous one "at
//! once, on every node, and closes WebSocket sessions opened with it (close code
//! 4003)" (`API.md`), and the contract bounds that at 100 ms. Two nodes share one
//! private `redis-server` ([`TwoNodes`]): node 1 creates the client and users and
//! takes the logins, and every socket is on node 2, so a close there can only come
//! from node 1's notice through Redis pub/sub.
//!
//! Phases, each bounded in count and time:
//! 1. setup over REST on node 1: a fresh client and `--users` users;
//! 2. one socket per user on node 2, authenticated with the user's key (`auth`, then
//!    `ready`); from then on a task reads each one and notes when and how it ends;
//! 3. one user at a time, `POST /users/login {email}` with the master key on node 1,
//!    which rotates the user's key; then the wait for that user's socket to end, at
//!    most [`CLOSE_DEADLINE`] after the response. One at a time, so that each close is
//!    timed alone rather than at the back of a queue of them.
//!
//! Both latencies end when the socket's reader has the close frame, and start either
//! just before the login is sent or once its response has been read in full. One
//! monotonic clock serves all three moments, as in [`crate::measure`]. Node 1 sends
//! its close notice before it answers the login, so a close can overtake the
//! response: it then counts as 0 from the response, and how many did is printed.

use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::{stream, StreamExt};
use tokio::{
    sync::oneshot,
    task::JoinSet,
    time::{self, timeout_at},
};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    api::{self, Api},
    cluster::TwoNodes,
    measure::{self, Socket, CONNECT_CONCURRENCY, SETUP_CONCURRENCY},
    stats::{millis, secs, Latencies},
    RevokeArgs,
};

/// How long after the login's response a socket may take to close before it counts
/// as not closed. Fifty times the contract's bound: a close this late is a failure
/// to report, not a slow sample.
const CLOSE_DEADLINE: Duration = Duration::from_secs(5);
/// The close code for a revoked key (`API.md`, WebSocket close codes).
const KEY_REVOKED: u16 = 4003;
/// The contract's bound on closing a revoked key's sockets.
const CONTRACT: Duration = Duration::from_millis(100);
/// Other endings spelled out below the `closed:` line.
const OTHERS_SHOWN: usize = 10;

/// Runs the scenario and prints its figures; `Ok(false)` for a run that was not clean.
pub async fn run(args: RevokeArgs) -> Result<bool> {
    let cluster = TwoNodes::start().await?;
    let (node1, node2) = cluster.apis()?;
    let outcome = measure_revocations(args.users, &node1, &node2).await;
    cluster.report_logs();
    outcome
}

/// How a socket's reading ended, and when.
struct Ending {
    at: Instant,
    how: How,
}

enum How {
    /// The server closed it, with the close frame's code and reason if it sent one.
    Closed(Option<(u16, String)>),
    /// A transport error.
    Failed(String),
}

impl How {
    /// `4003 "key revoked"`, `no close frame`, `failed: <error>`.
    fn describe(&self) -> String {
        match self {
            How::Closed(Some((code, reason))) => format!("{code} {reason:?}"),
            How::Closed(None) => "no close frame".to_owned(),
            How::Failed(err) => format!("failed: {err}"),
        }
    }
}

/// Every user's outcome, added up.
struct Tally {
    /// Closed with 4003 after its login was sent.
    revoked: u64,
    /// Of those, closed before the login's response had been read.
    before_response: u64,
    /// Of those, closed within [`CONTRACT`] of the response.
    within_contract: u64,
    /// Every other ending, by description: another code, no close frame, a transport
    /// error, a close before the login was even sent.
    others: Vec<String>,
    /// Still open [`CLOSE_DEADLINE`] after the response.
    not_closed: u64,
    from_response: Latencies,
    from_request: Latencies,
    /// Each login's REST round trip.
    round_trips: Latencies,
    /// Logins answered 2xx.
    logged_in: u64,
    /// The failed login that ended the loop, if one did.
    login_failure: Option<String>,
    /// How long the logins and waits took, all users together.
    took: Duration,
}

impl Tally {
    fn new() -> Result<Self> {
        Ok(Self {
            revoked: 0,
            before_response: 0,
            within_contract: 0,
            others: Vec::new(),
            not_closed: 0,
            from_response: Latencies::new()?,
            from_request: Latencies::new()?,
            round_trips: Latencies::new()?,
            logged_in: 0,
            login_failure: None,
            took: Duration::ZERO,
        })
    }

    /// Files one socket's ending, or its absence at the deadline (`None`). A reader
    /// that vanished without a word (`Some(None)`) counts among the others.
    fn record(&mut self, sent: Instant, answered: Instant, ending: Option<Option<Ending>>) {
        let ending = match ending {
            None => {
                self.not_closed += 1;
                return;
            }
            Some(None) => {
                self.others
                    .push("the reader ended without a report".to_owned());
                return;
            }
            Some(Some(ending)) => ending,
        };
        match ending.how {
            // Closed before its login was sent: the login cannot have caused it.
            how if ending.at < sent => {
                self.others
                    .push(format!("closed before its login: {}", how.describe()));
            }
            How::Closed(Some((KEY_REVOKED, _))) => {
                self.revoked += 1;
                if ending.at < answered {
                    self.before_response += 1;
                }
                let from_response = ending.at.saturating_duration_since(answered);
                if from_response <= CONTRACT {
                    self.within_contract += 1;
                }
                self.from_response.record(from_response);
                self.from_request
                    .record(ending.at.saturating_duration_since(sent));
            }
            how => self.others.push(how.describe()),
        }
    }
}

/// Sets up, logs every user in one at a time, and prints the figures.
async fn measure_revocations(users: u32, node1: &Api, node2: &Api) -> Result<bool> {
    println!("revoke: users={users} (login on node 1, sockets on node 2)");

    // 1. Setup over REST, all on node 1.
    let started = Instant::now();
    let master = node1.register_client("loadtest revoke").await?;
    let keys = node1
        .create_users(&master, users, SETUP_CONCURRENCY)
        .await?;
    let users_took = started.elapsed();

    // 2. Sockets on node 2, in user order (`buffered`), each read by its own task
    // that reports its ending once. On an error `readers` is dropped, which aborts
    // every task and closes its socket.
    let ws_url = node2.ws_url();
    let mut readers = JoinSet::new();
    let mut endings = Vec::with_capacity(keys.len());
    let started = Instant::now();
    let mut connecting = stream::iter(keys.iter().enumerate())
        .map(|(i, key)| measure::connect(&ws_url, key, i))
        .buffered(CONNECT_CONCURRENCY);
    while let Some(socket) = connecting.next().await {
        let (report, ending) = oneshot::channel();
        readers.spawn(read_until_closed(socket?, report));
        endings.push(ending);
    }
    let connect_took = started.elapsed();

    // 3. One login at a time, each followed by the wait for its socket.
    let mut tally = Tally::new()?;
    let started = Instant::now();
    for (index, ending) in (0..users).zip(endings) {
        let email = api::user_email(index);
        let sent = Instant::now();
        let login = node1.login(&master, &email).await;
        let answered = Instant::now();
        tally.round_trips.record(answered.duration_since(sent));
        if let Err(err) = login {
            // The server refused or failed a plain login: the run is broken, and
            // whether this user's key was rotated is unknown, so stop measuring.
            tally.login_failure = Some(format!("{err:#}"));
            break;
        }
        tally.logged_in += 1;
        let deadline = time::Instant::from_std(answered + CLOSE_DEADLINE);
        let ending = timeout_at(deadline, ending).await.ok().map(Result::ok);
        tally.record(sent, answered, ending);
    }
    tally.took = started.elapsed();

    let problems = print_figures(users, &tally);
    println!(
        "setup: users {users} in {}, sockets connected in {}",
        secs(users_took),
        secs(connect_took),
    );
    if problems.is_empty() {
        println!("result: clean");
    } else {
        println!("result: NOT clean: {}", problems.join("; "));
    }
    // Sockets still open (only in an unclean run) close here, after every figure.
    drop(readers);
    Ok(problems.is_empty())
}

/// Reads one socket until it ends, skipping every frame but the last, then reports
/// how and when. Nothing is sent, but the read answers the server's pings.
async fn read_until_closed(mut socket: Socket, report: oneshot::Sender<Ending>) {
    let how = loop {
        match socket.next().await {
            Some(Ok(Message::Close(frame))) => {
                break How::Closed(frame.map(|f| (u16::from(f.code), f.reason.into_owned())))
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => break How::Failed(err.to_string()),
            None => break How::Closed(None),
        }
    };
    let at = Instant::now();
    // The scenario may have stopped waiting; nobody to tell then.
    let _ = report.send(Ending { at, how });
}

/// Prints the figure lines and returns what kept the run from being clean.
fn print_figures(users: u32, tally: &Tally) -> Vec<String> {
    let others = tally.others.len() as u64;
    let unmeasured = u64::from(users).saturating_sub(tally.logged_in);
    let unmeasured_note = if unmeasured > 0 {
        format!(", {unmeasured} not measured")
    } else {
        String::new()
    };
    println!(
        "closed: {} of {users} with {KEY_REVOKED} ({others} other codes, {} not closed within {}{unmeasured_note})",
        tally.revoked,
        tally.not_closed,
        seconds(CLOSE_DEADLINE),
    );
    for other in tally.others.iter().take(OTHERS_SHOWN) {
        println!("  other: {other}");
    }
    if tally.others.len() > OTHERS_SHOWN {
        println!("  other: … ({} more)", tally.others.len() - OTHERS_SHOWN);
    }
    println!(
        "latency from login response: {}",
        tally.from_response.summary()
    );
    println!(
        "latency from login request: {}",
        tally.from_request.summary()
    );
    println!(
        "contract: {} of {} closed within {} of the response, {} before it (counted as 0)",
        tally.within_contract,
        tally.revoked,
        millis(CONTRACT),
        tally.before_response,
    );
    println!(
        "login: {} of {users} answered in {} ({} failed); REST round trip {}",
        tally.logged_in,
        secs(tally.took),
        u64::from(tally.login_failure.is_some()),
        tally.round_trips.summary(),
    );
    if let Some(err) = &tally.login_failure {
        println!("login: failure: {err}");
    }

    let mut problems = Vec::new();
    let mut check = |count: u64, what: &str| {
        if count > 0 {
            problems.push(format!("{count} {what}"));
        }
    };
    check(others, "closed otherwise");
    check(tally.not_closed, "not closed");
    check(u64::from(tally.login_failure.is_some()), "login failed");
    check(unmeasured, "not measured");
    problems
}

/// `5 s`: a whole number of seconds, as the deadline reads in the `closed:` line.
fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed(at: Instant, code: u16) -> Option<Option<Ending>> {
        Some(Some(Ending {
            at,
            how: How::Closed(Some((code, "r".to_owned()))),
        }))
    }

    #[test]
    fn only_a_4003_after_the_request_is_a_sample() {
        let sent = Instant::now();
        let ms = |n| sent + Duration::from_millis(n);
        let answered = ms(10);
        let mut tally = Tally::new().unwrap();
        for ending in [
            closed(ms(15), 4003),
            closed(ms(5), 4003),
            closed(ms(500), 4003),
            closed(ms(15), 1000),
            None,
            Some(None),
            Some(Some(Ending {
                at: ms(15),
                how: How::Failed("reset".to_owned()),
            })),
        ] {
            tally.record(sent, answered, ending);
        }
        // A close that came before the request cannot be the login's doing.
        tally.record(ms(20), ms(30), closed(ms(1), 4003));

        assert_eq!(tally.revoked, 3);
        assert_eq!(tally.before_response, 1);
        assert_eq!(tally.within_contract, 2);
        assert_eq!(tally.not_closed, 1);
        assert_eq!(
            tally.others,
            [
                "1000 \"r\"",
                "the reader ended without a report",
                "failed: reset",
                "closed before its login: 4003 \"r\"",
            ]
        );
        assert!(tally.from_response.summary().ends_with("max=490 ms"));
        assert!(tally.from_request.summary().ends_with("max=500 ms"));
    }
}
