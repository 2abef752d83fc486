//! The request-rate scenarios, each a closed loop of one REST call at `--connections`
//! connections ([`crate::hammer`]) against one node:
//! - `rest`: `POST /messages` with a 64-byte content, each connection a distinct user
//!   who is a member of every room, into one room or spread over `--rooms`;
//! - `login`: `POST /users/login {email}` with the master key over a pool of
//!   `--users` users (each login rotates that user's key; nobody uses the keys);
//! - `get`: `GET /users/me` with each connection's own user key.
//!
//! Setup is over REST before the clock starts: a fresh client, the users, and for
//! `rest` the rooms (made with the master key) and every user's joins.

use std::sync::Arc;

use anyhow::{bail, Result};
use reqwest::Client;
use serde_json::json;

use crate::{
    api::{self, Api},
    hammer::{self, MakeRequest},
    measure::SETUP_CONCURRENCY,
    node::Node,
    progress::Phase,
    report::Report,
    stats::secs,
    GetArgs, HammerArgs, LoginArgs, NodeArgs, RestArgs,
};

/// The `content` of every `rest` message: exactly 64 bytes of ASCII.
const CONTENT: &str = "loadtest-payload-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJK";
/// Joins `rest` may set up: `--connections` × `--rooms`.
const MAX_JOINS: u64 = 200_000;
/// The server's largest `max_members` (`MAX_MAX_MEMBERS`).
const MAX_MEMBERS: u32 = 100_000;

/// `rest`: `POST /messages` at C connections.
pub async fn rest(args: RestArgs) -> Result<bool> {
    let joins = u64::from(args.hammer.connections) * u64::from(args.rooms);
    if joins > MAX_JOINS {
        bail!("--connections × --rooms is {joins}; at most {MAX_JOINS} joins per run");
    }
    let node = Node::start(&args.node).await?;
    let api = node.api();
    let mut run = Run::new("rest", &args.node, &args.hammer, &node);
    run.report.param("rooms", args.rooms);

    let setup = std::time::Instant::now();
    let master = api.register_client("loadtest rest").await?;
    let keys = users(api, &master, connections(&args.hammer)?).await?;
    let max_members = (u32::try_from(keys.len()).unwrap_or(MAX_MEMBERS))
        .saturating_add(10)
        .min(MAX_MEMBERS);
    let mut rooms = Vec::new();
    for r in 0..args.rooms {
        rooms.push(
            api.create_room(&master, &format!("loadtest {r}"), max_members)
                .await?,
        );
    }
    let pairs: Vec<(&str, &str)> = rooms
        .iter()
        .flat_map(|room| keys.iter().map(move |key| (key.as_str(), room.as_str())))
        .collect();
    {
        let phase = Phase::count("joins", pairs.len() as u64);
        api.join_pairs(&pairs, SETUP_CONCURRENCY, &phase.counter())
            .await?;
        phase.finish();
    }
    run.report.note(format!(
        "setup: users {}, rooms {}, joins {} in {}",
        keys.len(),
        rooms.len(),
        pairs.len(),
        secs(setup.elapsed())
    ));

    // Worker w posts as user w, to room (w + n) mod R: each connection walks every
    // room, and at any moment the connections are spread over them.
    let bodies: Vec<String> = rooms
        .iter()
        .map(|room| json!({"room_id": room, "content": CONTENT}).to_string())
        .collect();
    let url = format!("{}/messages", api.base());
    let make: Arc<MakeRequest> = Arc::new(move |client: &Client, w: usize, n: u64| {
        let r = (w as u64).wrapping_add(n) % (bodies.len().max(1) as u64);
        let key = keys.get(w).map_or("", String::as_str);
        let body = usize::try_from(r)
            .ok()
            .and_then(|r| bodies.get(r))
            .cloned()
            .unwrap_or_default();
        client
            .post(&url)
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body)
    });
    run.measure("POST /messages", make).await
}

/// `login`: `POST /users/login` at C connections over a pool of users.
pub async fn login(args: LoginArgs) -> Result<bool> {
    let node = Node::start(&args.node).await?;
    let api = node.api();
    let mut run = Run::new("login", &args.node, &args.hammer, &node);
    run.report.param("users", args.users);

    let setup = std::time::Instant::now();
    let master = api.register_client("loadtest login").await?;
    let keys = users(api, &master, args.users).await?;
    run.report.note(format!(
        "setup: users {} in {}",
        keys.len(),
        secs(setup.elapsed())
    ));
    drop(keys);

    // Worker w logs in users w, w + C, w + 2C, … of the pool, so no two connections
    // log in the same user at once unless the pool is smaller than C.
    let connections = u64::from(args.hammer.connections);
    let pool = u64::from(args.users);
    let bodies: Vec<String> = (0..args.users)
        .map(|i| json!({"email": api::user_email(i)}).to_string())
        .collect();
    let url = format!("{}/users/login", api.base());
    let make: Arc<MakeRequest> = Arc::new(move |client: &Client, w: usize, n: u64| {
        let i = (w as u64).wrapping_add(n.wrapping_mul(connections)) % pool.max(1);
        let body = usize::try_from(i)
            .ok()
            .and_then(|i| bodies.get(i))
            .cloned()
            .unwrap_or_default();
        client
            .post(&url)
            .bearer_auth(&master)
            .header("content-type", "application/json")
            .body(body)
    });
    run.measure("POST /login", make).await
}

/// `get`: `GET /users/me` at C connections, each with its own user's key.
pub async fn get(args: GetArgs) -> Result<bool> {
    let node = Node::start(&args.node).await?;
    let api = node.api();
    let mut run = Run::new("get", &args.node, &args.hammer, &node);

    let setup = std::time::Instant::now();
    let master = api.register_client("loadtest get").await?;
    let keys = users(api, &master, connections(&args.hammer)?).await?;
    run.report.note(format!(
        "setup: users {} in {}",
        keys.len(),
        secs(setup.elapsed())
    ));

    let url = format!("{}/users/me", api.base());
    let make: Arc<MakeRequest> = Arc::new(move |client: &Client, w: usize, _n: u64| {
        let key = keys.get(w).map_or("", String::as_str);
        client.get(&url).bearer_auth(key)
    });
    run.measure("GET /users/me", make).await
}

/// One run of the three: its report, headed by the parameters they share, and what
/// its request loop needs at the end.
struct Run<'a> {
    report: Report,
    node: &'a Node,
    hammer: &'a HammerArgs,
    json: bool,
}

impl<'a> Run<'a> {
    fn new(scenario: &str, node_args: &NodeArgs, hammer: &'a HammerArgs, node: &'a Node) -> Self {
        let label = if node_args.redis {
            format!("{scenario} --redis")
        } else {
            scenario.to_owned()
        };
        let mut report = Report::new(&label);
        report.param("connections", hammer.connections);
        report.param("seconds", hammer.seconds);
        if let Some(max) = hammer.requests {
            report.param("requests", max);
        }
        report.param("store", node.store());
        Self {
            report,
            node,
            hammer,
            json: node_args.json,
        }
    }

    /// Runs the loop of `what` requests made by `make`, with the node's (and its
    /// Redis') CPU time counted over exactly that loop; adds the figures and the
    /// logs, prints, and says whether the run was clean. The same for the three, so
    /// their figures compare.
    async fn measure(mut self, what: &str, make: Arc<MakeRequest>) -> Result<bool> {
        let node = self.node;
        let redis_cpu = node.redis_cpu_meter()?;
        let outcome = hammer::run(self.hammer, what, node.cpu_meter()?, make).await?;
        outcome.add_to(&mut self.report, "request");
        self.report
            .redis_cpu(redis_cpu.map(|meter| meter.used()).transpose()?);
        node.note_logs(&mut self.report);
        Ok(self.report.print(self.json))
    }
}

fn connections(hammer: &HammerArgs) -> Result<u32> {
    Ok(hammer.connections)
}

/// `count` users with a progress bar; their scoped keys in index order.
async fn users(api: &Api, master: &str, count: u32) -> Result<Vec<String>> {
    let phase = Phase::count("users", u64::from(count));
    let keys = api
        .create_users_counted(master, count, SETUP_CONCURRENCY, &phase.counter())
        .await?;
    phase.finish();
    Ok(keys)
}
