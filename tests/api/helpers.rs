//! The test harness: [`spawn_app`] starts a node (and, for Redis, a private
//! `redis-server`), and [`TestApp`] speaks the API with a real HTTP client.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    sync::{LazyLock, Mutex},
    time::{Duration, Instant},
};

use chatapi::{
    config::{RateLimitSettings, Settings},
    startup::Application,
    telemetry,
};
use reqwest::{header::HeaderMap, Method};
use serde_json::{json, Value};
use uuid::Uuid;

/// Runs each named `async fn name(engine: EngineKind)` of the calling module once per
/// engine, as `memory::name` and `redis::name`: the engine contract suite.
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::helpers::EngineKind::Memory).await
                }
            )*
        }
        mod redis {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::helpers::EngineKind::Redis).await
                }
            )*
        }
    };
}

/// Runs each named `async fn name(engine: EngineKind)` as `memory::name`,
/// `redis::name`, and `cluster::name` on three nodes sharing one Redis in cluster mode
/// ([`CLUSTER_REDIS`]), each REST request going to a node picked at random: the API
/// must not tell them apart.
macro_rules! every_deployment {
    ($($name:ident),* $(,)?) => {
        both_engines!($($name),*);
        mod cluster {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::helpers::EngineKind::Cluster).await
                }
            )*
        }
    };
}

/// Every deadline in the suite; generous because CI machines are small.
pub const DEADLINE: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Memory,
    Redis,
    /// Three nodes behind one `TestApp`, sharing [`CLUSTER_REDIS`].
    Cluster,
}

/// Everything any node of this test binary logged. The log test reads it; setting
/// `TEST_LOG` also prints it.
pub static LOGS: LazyLock<Mutex<Vec<u8>>> = LazyLock::new(|| {
    let subscriber = telemetry::subscriber("debug", || CapturedLog, false);
    telemetry::init(subscriber).expect("install the test subscriber");
    Mutex::new(Vec::new())
});

struct CapturedLog;

impl Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if std::env::var_os("TEST_LOG").is_some() {
            std::io::stdout().write_all(buf)?;
        }
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A port nobody listens on right now, and never handed out before in this run: a
/// test that kills its Redis and starts it again on the same port must not find
/// another test's Redis there in between.
pub fn free_port() -> u16 {
    static HANDED_OUT: LazyLock<Mutex<std::collections::HashSet<u16>>> =
        LazyLock::new(Default::default);
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if HANDED_OUT.lock().unwrap().insert(port) {
            return port;
        }
    }
}

/// A private `redis-server` with the project's `redis.conf`, killed on drop.
pub struct RedisServer {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// In cluster mode, as one node that serves every slot.
    cluster: bool,
}

/// One Redis in cluster mode, shared by this binary's `cluster` tests, each under a
/// prefix of its own. Cluster mode refuses any command or script that touches keys of
/// two slots, so every test run on it checks that each tenant's keys stay in its slot.
/// A cluster node takes about two seconds to serve, hence one per binary. Statics are
/// never dropped, so this one dies with the test binary instead (see
/// [`RedisServer::start_cluster`]).
pub static CLUSTER_REDIS: LazyLock<RedisServer> = LazyLock::new(RedisServer::start_cluster);

impl RedisServer {
    /// Runs one command (inline protocol) and returns the first line of the reply.
    pub fn command(&self, command: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .write_all(format!("{command}\r\n").as_bytes())
            .unwrap();
        let mut reply = Vec::new();
        let mut byte = [0u8; 1];
        while stream.read_exact(&mut byte).is_ok() && byte[0] != b'\n' {
            reply.push(byte[0]);
        }
        String::from_utf8_lossy(&reply).trim_end().to_owned()
    }

    /// A plain connection, for tests that read what the store holds.
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection()
            .unwrap()
    }

    /// Every key under `prefix`.
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        let mut conn = self.connection();
        let pattern = format!("{prefix}*");
        let keys: redis::Iter<String> = redis::cmd("SCAN")
            .cursor_arg(0)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .clone()
            .iter(&mut conn)
            .unwrap();
        keys.map(|key| key.unwrap()).collect()
    }

    pub fn start() -> Self {
        Self::started(false)
    }

    /// A server on a free port and a fresh data directory, up and answering.
    fn started(cluster: bool) -> Self {
        let mut server = Self {
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
            child: None,
            cluster,
        };
        server.restart();
        server
    }

    /// A cluster-mode server that gives itself all 16,384 slots. It runs under a shell
    /// that kills it once this process is gone: the shell waits to read its standard
    /// input, whose other end only this process holds.
    fn start_cluster() -> Self {
        let server = Self::started(true);
        server.command("CLUSTER ADDSLOTSRANGE 0 16383");
        let mut conn = server.connection();
        let started = Instant::now();
        loop {
            let info: String = redis::cmd("CLUSTER").arg("INFO").query(&mut conn).unwrap();
            if info.contains("cluster_state:ok") {
                return server;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "the Redis cluster did not come up"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server as a crash would: no shutdown save. Acknowledged writes must
    /// survive through the AOF.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts the server (again) on the same port and data directory.
    pub fn restart(&mut self) {
        let conf = concat!(env!("CARGO_MANIFEST_DIR"), "/redis.conf");
        let mut command = if self.cluster {
            let mut shell = Command::new("sh");
            shell.args(["-c", r#"redis-server "$@" & read -r _; kill $!"#, "sh"]);
            shell.stdin(Stdio::piped());
            shell
        } else {
            Command::new("redis-server")
        };
        command
            .arg(conf)
            .args(["--port", &self.port.to_string()])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--save", "", "--daemonize", "no", "--bind", "127.0.0.1"]);
        if self.cluster {
            command.args(["--cluster-enabled", "yes"]);
        }
        let child = command
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (the README's test command installs it)");
        self.child = Some(child);
        let started = Instant::now();
        while !self.answers_ping() {
            assert!(started.elapsed() < DEADLINE, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn answers_ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let mut reply = [0u8; 5];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The answer to one request.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// Reads a whole response; a body that is not JSON is kept as a string.
    pub async fn of(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Asserts the documented error body with this status and code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.body["error_code"], code, "{self:?}");
        assert_eq!(self.body["status_code"], status, "{self:?}");
        assert!(self.body["detail"].is_string(), "{self:?}");
    }

    /// The fields named in a 422's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// A running node and a client registered on it.
pub struct TestApp {
    /// The first node; WebSockets connect here.
    pub base: String,
    /// Every node; each REST request goes to one picked at random.
    pub bases: Vec<String>,
    pub http: reqwest::Client,
    pub master_key: String,
    pub client_id: String,
    /// This node's Redis key prefix (shared by a cluster's nodes).
    pub prefix: String,
    /// Kept alive for the test; `None` on the memory engine.
    pub redis: Option<RedisServer>,
    /// Stops the node gracefully, as SIGTERM would.
    pub stopper: chatapi::startup::Stopper,
}

pub async fn spawn_app(engine: EngineKind) -> TestApp {
    spawn_app_with(engine, |_| {}).await
}

/// A node with every rate limit off (`0`, as API.md §8 says benchmarks run), for
/// tests that push more traffic than one user may, about something else.
pub async fn spawn_unlimited(engine: EngineKind) -> TestApp {
    spawn_app_with(engine, unlimited).await
}

/// Turns every rate limit off.
pub fn unlimited(settings: &mut Settings) {
    settings.rate_limits = RateLimitSettings::off();
}

/// `n` nodes sharing one `redis-server` (owned by the first) and one key prefix: a
/// cluster. Every node knows the one client's master key.
pub async fn spawn_cluster(n: usize) -> Vec<TestApp> {
    spawn_cluster_with(n, |_| {}).await
}

/// [`spawn_cluster`] with every node's settings adjusted by `customize`.
pub async fn spawn_cluster_with(n: usize, customize: impl Fn(&mut Settings)) -> Vec<TestApp> {
    let first = spawn_app_with(EngineKind::Redis, &customize).await;
    let url = first.redis.as_ref().unwrap().url();
    let mut nodes = Vec::with_capacity(n);
    for _ in 1..n {
        let mut settings = Settings {
            port: 0,
            workers: 1,
            redis_url: Some(chatapi::config::Secret::new(url.clone())),
            redis_prefix: first.prefix.clone(),
            ..Settings::default()
        };
        customize(&mut settings);
        let (base, stopper) = start_node(settings).await;
        nodes.push(TestApp {
            bases: vec![base.clone()],
            base,
            http: reqwest::Client::new(),
            master_key: first.master_key.clone(),
            client_id: first.client_id.clone(),
            prefix: first.prefix.clone(),
            redis: None,
            stopper,
        });
    }
    nodes.insert(0, first);
    nodes
}

/// Builds and runs one node; returns its API base URL and what stops it.
pub async fn start_node(settings: Settings) -> (String, chatapi::startup::Stopper) {
    let application = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}/api/v1", application.port());
    let stopper = application.stopper();
    actix_web::rt::spawn(application.run_until_stopped());
    (base, stopper)
}

/// Starts a node with settings adjusted by `customize`, and registers one client.
pub async fn spawn_app_with(engine: EngineKind, customize: impl FnOnce(&mut Settings)) -> TestApp {
    LazyLock::force(&LOGS);
    let redis = (engine == EngineKind::Redis).then(RedisServer::start);
    let redis_url = match engine {
        EngineKind::Memory => None,
        EngineKind::Redis => redis.as_ref().map(RedisServer::url),
        EngineKind::Cluster => Some(CLUSTER_REDIS.url()),
    };
    let mut settings = Settings {
        port: 0,
        workers: 1,
        redis_url: redis_url.map(chatapi::config::Secret::new),
        redis_prefix: format!("test:{}:", Uuid::new_v4()),
        ..Settings::default()
    };
    customize(&mut settings);
    let admin = settings.admin_token.clone();
    let prefix = settings.redis_prefix.clone();
    let nodes = if engine == EngineKind::Cluster { 3 } else { 1 };
    let mut bases = Vec::with_capacity(nodes);
    let mut stoppers = Vec::with_capacity(nodes);
    for _ in 0..nodes {
        let (base, stopper) = start_node(settings.clone()).await;
        bases.push(base);
        stoppers.push(stopper);
    }
    let stopper = stoppers.swap_remove(0);
    let mut app = TestApp {
        base: bases[0].clone(),
        bases,
        http: reqwest::Client::new(),
        master_key: String::new(),
        client_id: String::new(),
        prefix,
        redis,
        stopper,
    };
    let registration = app
        .request(
            Method::POST,
            "/clients",
            admin.as_ref().map(|a| a.expose()),
            Some(json!({"name": "Test App"})),
        )
        .await;
    assert_eq!(registration.status, 201, "{registration:?}");
    app.master_key = registration.body["master_api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    app.client_id = registration.body["id"].as_str().unwrap().to_owned();
    app
}

impl TestApp {
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let node = rand::random_range(0..self.bases.len());
        self.request_on(node, method, path, key, body).await
    }

    /// A request to one chosen node (the last one when `node` is out of range).
    pub async fn request_on(
        &self,
        node: usize,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let base = self
            .bases
            .get(node)
            .or(self.bases.last())
            .unwrap_or(&self.base);
        let mut request = self.http.request(method, format!("{base}{path}"));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::of(request.send().await.unwrap()).await
    }

    /// A `GET /ws` with the upgrade headers a WebSocket client sends, each replaced or
    /// (with an empty value) dropped by `changes`, and `key` as bearer if given: the
    /// answer when the handshake is refused, before any upgrade.
    pub async fn handshake(&self, key: Option<&str>, changes: &[(&str, &str)]) -> Reply {
        let mut headers = vec![
            ("Connection", "Upgrade"),
            ("Upgrade", "websocket"),
            ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ];
        for (name, value) in changes {
            headers.retain(|(present, _)| !present.eq_ignore_ascii_case(name));
            if !value.is_empty() {
                headers.push((name, value));
            }
        }
        // A client of its own: actix closes a connection that asked for an upgrade once
        // it answers, and a pooled one could be picked for the next request as it goes.
        let mut request = reqwest::Client::new().get(format!("{}/ws", self.base));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        Reply::of(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str, key: &str) -> Reply {
        self.request(Method::GET, path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> Reply {
        self.request(Method::POST, path, Some(key), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, key: &str, body: Value) -> Reply {
        self.request(Method::PATCH, path, Some(key), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, key: &str) -> Reply {
        self.request(Method::DELETE, path, Some(key), None).await
    }

    /// Registers another client; returns (id, master key).
    pub async fn register_client(&self, name: &str) -> (String, String) {
        let reply = self
            .request(
                Method::POST,
                "/clients",
                None,
                Some(json!({ "name": name })),
            )
            .await;
        assert_eq!(reply.status, 201, "{reply:?}");
        (
            reply.body["id"].as_str().unwrap().to_owned(),
            reply.body["master_api_key"].as_str().unwrap().to_owned(),
        )
    }

    /// Creates a user with the app's master key; returns the 201 body.
    pub async fn create_user(&self, email: &str, username: &str) -> Value {
        let reply = self
            .post(
                "/users",
                &self.master_key,
                json!({"email": email, "username": username}),
            )
            .await;
        assert_eq!(reply.status, 201, "{reply:?}");
        reply.body
    }

    /// A fresh user with a unique name; returns (id, scoped key, email).
    pub async fn new_user(&self) -> (String, String, String) {
        let name = format!("u{}", &Uuid::new_v4().simple().to_string()[..12]);
        let email = format!("{name}@example.com");
        let body = self.create_user(&email, &name).await;
        (
            body["id"].as_str().unwrap().to_owned(),
            body["scoped_api_key"].as_str().unwrap().to_owned(),
            email,
        )
    }

    /// Logs a user in with the app's master key; returns the new scoped key.
    pub async fn login(&self, email: &str) -> String {
        let reply = self
            .post("/users/login", &self.master_key, json!({ "email": email }))
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.body["scoped_api_key"].as_str().unwrap().to_owned()
    }

    /// Polls `check` until it holds, failing the test at the deadline.
    pub async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while !check().await {
            assert!(started.elapsed() < DEADLINE, "timed out waiting for {what}");
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl TestApp {
    /// Creates a room with `key` (a scoped key makes its user the owner); returns its id.
    pub async fn create_room(&self, key: &str, body: Value) -> String {
        let reply = self.post("/rooms", key, body).await;
        assert_eq!(reply.status, 201, "{reply:?}");
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// Joins a public room as the key's user.
    pub async fn join(&self, key: &str, room: &str) {
        let reply = self
            .post("/rooms/join", key, json!({ "room_id": room }))
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }

    /// Sends a text message; returns the stored message.
    pub async fn send(&self, key: &str, room: &str, content: &str) -> Value {
        let reply = self
            .post(
                "/messages",
                key,
                json!({"room_id": room, "content": content}),
            )
            .await;
        assert_eq!(reply.status, 201, "{reply:?}");
        reply.body
    }
}

/// A metadata object of floats whose shortest decimal text a fast, not correctly
/// rounded, JSON parser reads back as a neighbouring float: a record holding them must
/// still compare equal to itself after a trip through the store.
pub fn awkward_floats() -> Value {
    json!({
        "a": 1.1338941408186795e194,
        "b": 9.532802253388974e-157,
        "c": -3.650521335070593e190,
        "d": -1.2148425679625e125,
        "e": -1.873169145561128e293,
        "f": -1.0325338818891082e185,
    })
}
