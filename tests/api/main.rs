//! The integration suite: one binary. Every test starts a real node in-process on a
//! free port; Redis tests also start their own `redis-server` (our `redis.conf`, a
//! temp dir, a free port). Most tests run once per engine through [`both_engines!`].
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[macro_use]
mod helpers;

mod analytics;
mod auth;
mod clients;
mod cluster;
mod concurrency;
mod console;
mod cors;
mod deletes;
mod engine_contract;
mod errors;
mod isolation;
mod layout;
mod limits;
mod logs;
mod malformed;
mod messages;
mod metrics;
mod notifications;
mod openapi;
mod outage;
mod paging;
mod realtime;
mod rooms;
mod security_events;
mod settings;
mod users;
mod webhooks;
mod wire;
mod ws_client;
