//! ChatAPI: a multi-tenant realtime chat backend.
//!
//! A client application registers and receives a master key (`ck_live_…`); with it, it
//! creates users, each of whom holds one scoped key (`sk_user_…`) that every login rotates.
//! One node runs on an in-process store; with `REDIS_URL` set, state lives in Redis.
//!
//! # Layout
//! - [`config`]: typed [`config::Settings`] read from `CHATAPI_*` / `REDIS_URL`; the
//!   defaults run a working single node.
//! - [`telemetry`]: the tracing subscriber, with a pluggable sink so tests can read logs.
//! - [`startup`]: [`startup::Application`], the only way to start a node (the binary and
//!   the tests share it): picks the engine, binds, mounts routes.
//! - [`error`]: [`error::ApiError`], the one error type, and the documented error body.
//! - [`domain`]: validated newtypes and records (ids, keys, users, clients, events); no I/O.
//! - [`auth`]: key issue and digests, and the extractors that turn a bearer key into a caller.
//! - [`engine`]: the storage seam, [`engine::Store`], with two back ends: `memory`
//!   (embedded default) and `redis` (shared by many nodes).
//! - [`http`]: the REST routes, one file per verb, and the route table in one place.
//! - [`actors`]: the real-time core: the registry, one actor per room (orders and fans
//!   out its events) and one per WebSocket session.
//! - [`ws`]: the WebSocket wire protocol and upgrade route.
//! - [`views`]: the JSON shapes of rooms, members and messages, shared by REST and WS.

pub mod actors;
pub mod auth;
pub mod config;
pub mod domain;
pub mod engine;
pub mod error;
pub mod http;
pub mod startup;
pub mod telemetry;
pub mod views;
pub mod ws;
