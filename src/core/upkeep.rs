//! The store's upkeep that no request does: finishing the deletions a node stopped in
//! the middle of (`Engine::resume_deletions`). Each node sees to it at start and then
//! every few minutes; two nodes finishing one deletion only remove some entries twice.

use std::time::Duration;

use crate::engine::SharedEngine;

/// How often a node looks for unfinished deletions.
const EVERY: Duration = Duration::from_secs(300);

/// Starts this node's upkeep; it runs as long as the node.
pub fn start(engine: SharedEngine) {
    actix::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            ticks.tick().await;
            match engine.resume_deletions().await {
                Ok(0) => {}
                Ok(finished) => tracing::info!(finished, "unfinished deletions finished"),
                Err(err) => tracing::warn!(error = %err, "unfinished deletions not resumed"),
            }
        }
    });
}
