//! Webhooks (`API.md` §7). Events enter each matching webhook's outbox in the store
//! on the ordered room-event path: `message.created` inside the append itself, a
//! room's other events in the room actor's step, before its next command runs
//! (`events.rs`). Every node runs a worker (`worker.rs`) that claims an outbox with a
//! lease, so one node at a time sends its head, signed (`sign.rs`), retried with
//! backoff for 24 h; the next event waits until the head is delivered or given up,
//! which keeps each webhook's events, and so each room's, in order. URLs are checked
//! against private addresses at creation and again at each delivery (`address.rs`).
//! `manage.rs` is the CRUD, the deliveries log and replay.

mod address;
mod events;
mod manage;
mod sign;
mod worker;

use std::time::Duration;

pub use self::{
    events::{enqueue, room_events, user_event, user_event_body},
    manage::{WebhookChange, WebhookFields},
    worker::start_worker,
};

/// How long one attempt may take in all (connect, send, answer).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a worker's lease on an outbox lasts: longer than an attempt, so a live
/// worker never loses it mid-attempt, and short enough that a killed node's outbox
/// is picked up soon.
pub const LEASE: Duration = Duration::from_secs(30);
/// How long an event is retried before it is given up.
pub const RETRY_FOR: chrono::Duration = chrono::Duration::hours(24);
/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// The webhook settings the core applies.
#[derive(Debug, Clone, Copy)]
pub struct WebhookSettings {
    /// `CHATAPI_WEBHOOKS_ALLOW_PRIVATE`: deliver to private and loopback addresses.
    pub allow_private: bool,
    /// `CHATAPI_WEBHOOKS_RETRY_BASE_MS`: the wait before the first retry, doubled
    /// for each next one.
    pub retry_base: Duration,
}
