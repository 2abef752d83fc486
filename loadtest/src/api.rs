//! The REST calls a scenario sets up and publishes with (`API.md` §4–§5). Every
//! failure names the call and carries the server's status and error body, so a broken
//! setup says what broke. Keys are kept as plain strings but never printed: none of
//! these types derives `Debug`.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use anyhow::{bail, Context, Result};
use futures_util::{stream, StreamExt, TryStreamExt};
use reqwest::{RequestBuilder, Url};
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{json, Value};

/// Longest any single REST call may take; a stuck call fails the run rather than
/// hanging it.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    /// `http://host:port/api/v1`, no trailing slash.
    base: String,
}

#[derive(Deserialize)]
struct ClientCreated {
    master_api_key: String,
}

/// What `POST /users` and `POST /users/login` both answer with: the user's new key.
#[derive(Deserialize)]
struct KeyIssued {
    scoped_api_key: String,
}

#[derive(Deserialize)]
struct RoomCreated {
    id: String,
}

impl Api {
    /// `server` is the origin, e.g. `http://127.0.0.1:8000`; the tool adds `/api/v1`.
    pub fn new(server: &Url) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .build()
            .context("cannot build the HTTP client")?;
        let origin = server.origin().ascii_serialization();
        Ok(Self {
            http,
            base: format!("{origin}/api/v1"),
        })
    }

    /// `http://host:port/api/v1`, no trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `ws://host:port/api/v1/ws`.
    pub fn ws_url(&self) -> String {
        format!("{}/ws", self.base.replacen("http://", "ws://", 1))
    }

    /// `POST /clients`: a fresh client application, so every run starts from empty
    /// users and rooms even against a long-running server. Returns its master key.
    pub async fn register_client(&self, name: &str) -> Result<String> {
        let request = self
            .http
            .post(format!("{}/clients", self.base))
            .json(&json!({"name": name}));
        let created: ClientCreated = call(request, "POST /clients").await?;
        Ok(created.master_api_key)
    }

    /// `POST /users`, `count` times with at most `concurrency` in flight. Returns the
    /// scoped keys in index order; names are `lt_u<index>`, unique within the client,
    /// and emails are [`user_email`]`(index)`.
    pub async fn create_users(
        &self,
        master: &str,
        count: u32,
        concurrency: usize,
    ) -> Result<Vec<String>> {
        self.create_users_counted(master, count, concurrency, &AtomicU64::new(0))
            .await
    }

    /// [`Api::create_users`], bumping `done` once per user created (for a progress bar).
    pub async fn create_users_counted(
        &self,
        master: &str,
        count: u32,
        concurrency: usize,
        done: &AtomicU64,
    ) -> Result<Vec<String>> {
        stream::iter(0..count)
            .map(|i| async move {
                let request = self
                    .http
                    .post(format!("{}/users", self.base))
                    .bearer_auth(master)
                    .json(&json!({
                        "email": user_email(i),
                        "username": format!("lt_u{i}"),
                    }));
                let created: KeyIssued = call(request, &format!("POST /users (user {i})")).await?;
                done.fetch_add(1, Ordering::Relaxed);
                Ok::<_, anyhow::Error>(created.scoped_api_key)
            })
            .buffered(concurrency)
            .try_collect()
            .await
    }

    /// `POST /users/login` with the master key: issues the user a new scoped key and
    /// revokes the previous one, which closes the sockets opened with it. The new key
    /// is read, to check the answer's shape, and dropped: no scenario uses it.
    pub async fn login(&self, master: &str, email: &str) -> Result<()> {
        let request = self
            .http
            .post(format!("{}/users/login", self.base))
            .bearer_auth(master)
            .json(&json!({"email": email}));
        let _: KeyIssued = call(request, &format!("POST /users/login ({email})")).await?;
        Ok(())
    }

    /// `POST /rooms` with the creator's scoped key (the creator becomes owner, hence a
    /// member). Returns the room id.
    pub async fn create_room(&self, key: &str, name: &str, max_members: u32) -> Result<String> {
        let request = self
            .http
            .post(format!("{}/rooms", self.base))
            .bearer_auth(key)
            .json(&json!({"name": name, "max_members": max_members}));
        let created: RoomCreated = call(request, "POST /rooms").await?;
        Ok(created.id)
    }

    /// `POST /rooms/join` for every key, at most `concurrency` in flight.
    pub async fn join_all(&self, keys: &[String], room_id: &str, concurrency: usize) -> Result<()> {
        stream::iter(keys.iter().enumerate())
            .map(|(i, key)| async move {
                let request = self
                    .http
                    .post(format!("{}/rooms/join", self.base))
                    .bearer_auth(key)
                    .json(&json!({"room_id": room_id}));
                let _: Value = call(request, &format!("POST /rooms/join (user {})", i + 1)).await?;
                Ok::<_, anyhow::Error>(())
            })
            .buffer_unordered(concurrency)
            .try_collect()
            .await
    }

    /// `POST /rooms/join` for each `(key, room id)` pair, at most `concurrency` in
    /// flight: several users into several rooms at once. Bumps `done` once per join.
    pub async fn join_pairs(
        &self,
        pairs: &[(&str, &str)],
        concurrency: usize,
        done: &AtomicU64,
    ) -> Result<()> {
        stream::iter(pairs.iter().enumerate())
            .map(|(i, &(key, room_id))| async move {
                let request = self
                    .http
                    .post(format!("{}/rooms/join", self.base))
                    .bearer_auth(key)
                    .json(&json!({"room_id": room_id}));
                let _: Value = call(request, &format!("POST /rooms/join (pair {i})")).await?;
                done.fetch_add(1, Ordering::Relaxed);
                Ok::<_, anyhow::Error>(())
            })
            .buffer_unordered(concurrency)
            .try_collect()
            .await
    }

    /// `POST /messages`.
    pub async fn post_message(
        &self,
        key: &str,
        room_id: &str,
        content: &str,
        metadata: Value,
    ) -> Result<()> {
        let request = self
            .http
            .post(format!("{}/messages", self.base))
            .bearer_auth(key)
            .json(&json!({"room_id": room_id, "content": content, "metadata": metadata}));
        let _: Value = call(request, "POST /messages").await?;
        Ok(())
    }
}

/// The email of the user [`Api::create_users`] made with this index.
pub fn user_email(index: u32) -> String {
    format!("lt_u{index}@loadtest.invalid")
}

/// Sends, requires a 2xx, and reads the JSON body; otherwise an error with the status
/// and the server's error body.
async fn call<T: DeserializeOwned>(request: RequestBuilder, what: &str) -> Result<T> {
    let response = request
        .send()
        .await
        .with_context(|| format!("{what}: no response"))?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        bail!("{what}: HTTP {status}: {body}");
    }
    response
        .json()
        .await
        .with_context(|| format!("{what}: HTTP {status} with an unexpected body"))
}

/// Parses `--url` and refuses anything but a loopback host: load is only ever sent to
/// this machine.
pub fn loopback_url(url: &str) -> Result<Url> {
    let parsed = Url::parse(url).with_context(|| format!("--url {url:?} is not a URL"))?;
    if parsed.scheme() != "http" {
        bail!("--url must be http:// (got {url:?})");
    }
    // `host_str` keeps an IPv6 literal's brackets; `Url` has already validated it.
    let host = parsed.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        bail!("--url {url:?} is not a loopback address; this tool only loads 127.0.0.0/8, ::1 or localhost");
    }
    Ok(parsed)
}
