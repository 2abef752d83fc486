//! Usage analytics (`API.md` §7). The store counts what it writes (messages inside
//! the append itself, so the send path pays no extra round trip; users and rooms
//! beside their creation); each node tallies what only it sees (its connections,
//! the message frames it hands to them, the messages it appended) in [`Tally`] and
//! reports it every [`REPORT_INTERVAL`]. `report.rs` answers `GET /analytics` and
//! `GET /analytics/live` from the store.

mod report;
mod tally;

pub use self::{
    report::AnalyticsQuery,
    tally::{start_reporting, Tally, REPORT_INTERVAL},
};
use crate::{
    domain::{analytics::Counter, ids::ClientId},
    engine::Engine,
};

/// Counts one creation. A failure only loses a count, never the creation: logged.
pub async fn count(engine: &dyn Engine, client: ClientId, counter: Counter) {
    if let Err(err) = engine.count(client, counter, chrono::Utc::now()).await {
        tracing::warn!(error = %err, ?counter, "usage not counted");
    }
}
