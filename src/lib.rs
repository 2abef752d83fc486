//! ChatAPI: a multi-tenant realtime chat backend.
//!
//! A client application registers and receives a master key (`ck_live_…`); with it, it
//! creates users, each of whom holds one scoped key (`sk_user_…`) that every login rotates.
//! One node runs on an in-process store; with `REDIS_URL` set, state lives in Redis.
//!
//! # Layout
//! Dependencies point one way: `domain` ← `engine` ← `core` ← {`http`, `ws`} ←
//! `startup`. The core holds every rule and knows nothing of HTTP or WebSocket frames;
//! the two edges translate to and from it and never import each other's insides (the
//! HTTP route table mounts the WebSocket upgrade).
//! - [`config`]: typed [`config::Settings`] read from `CHATAPI_*` / `REDIS_URL`; the
//!   defaults run a working single node. `config::catalog` is the one list of settings
//!   that start-up, `--help` and the README share.
//! - [`telemetry`]: the tracing subscriber, with a pluggable sink so tests can read logs.
//! - [`metrics`]: the node's Prometheus series, as handles the hot paths add to.
//! - [`domain`]: validated newtypes and records (ids, keys, users, clients, rooms,
//!   messages, security events); no I/O.
//! - [`engine`]: the storage seam, [`engine::Store`] + [`engine::Broker`] +
//!   [`engine::Presence`], with two back ends: `memory` (embedded default) and `redis`
//!   (shared by many nodes).
//! - [`core`]: the application. [`core::Core`] is the state both edges hold;
//!   `core::auth` turns a key into a caller; `core::clients` and `core::users` are
//!   the account rules; `core::rooms` and `core::messages` are the room commands, one
//!   file each, run by `core::actors` (the registry and one actor per room);
//!   `core::notifications` sends to users and reads their inboxes;
//!   `core::analytics` counts usage and reports each node's load; `core::webhooks`
//!   manages webhooks and runs the node's delivery worker;
//!   [`core::ApiError`] is the one error, with the documented codes; `core::views` the
//!   JSON shapes; `core::events` the room events.
//! - [`http`]: the REST edge: the route table, extractors (keys, client address, JSON
//!   bodies), one handler file per verb, the error as an HTTP answer, CORS for the
//!   listed browser origins, the browser files (demo page, `chatapi.js`, the admin
//!   console), `/metrics`, and the OpenAPI document generated from the handlers.
//! - [`ws`]: the WebSocket edge: the frame protocol and close codes, the session actor
//!   per connection, and the table that sends its requests into the core.
//! - [`startup`]: [`startup::Application`], the only way to start a node (the binary and
//!   the tests share it): picks the engine, starts the registry, binds, mounts routes.

pub mod config;
pub mod core;
pub mod domain;
pub mod engine;
pub mod http;
pub mod metrics;
pub mod startup;
pub mod telemetry;
pub mod ws;
