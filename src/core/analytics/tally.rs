//! What one node counts between two reports to the store.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::Utc;

use crate::{
    core::actors::cluster::NodeInfo,
    domain::{analytics::ClientLoad, ids::ClientId},
    engine::SharedEngine,
};

/// How often a node reports its load.
pub const REPORT_INTERVAL: Duration = Duration::from_secs(1);
/// How long a report counts as live: a node that stops reporting (it died) drops out
/// of `GET /analytics/live` and of the peak within this.
pub const REPORT_LIVE_FOR: Duration = Duration::from_secs(5);

/// Per client: connections open now, and frames delivered and messages appended
/// since the last report. A plain mutex: each update is a few additions.
#[derive(Debug, Default)]
pub struct Tally {
    clients: Mutex<HashMap<ClientId, ClientLoad>>,
}

impl Tally {
    fn update(&self, client: ClientId, change: impl FnOnce(&mut ClientLoad)) {
        // A poisoned lock only loses counts; analytics never stop chat traffic.
        if let Ok(mut clients) = self.clients.lock() {
            change(clients.entry(client).or_insert(ClientLoad {
                client,
                connections: 0,
                delivered: 0,
                sent: 0,
            }));
        }
    }

    pub fn connected(&self, client: ClientId) {
        self.update(client, |load| load.connections += 1);
    }

    pub fn disconnected(&self, client: ClientId) {
        self.update(client, |load| {
            load.connections = load.connections.saturating_sub(1)
        });
    }

    /// `count` frames handed to the client's sessions (counted once per fan-out, not
    /// per session: the lock is taken once).
    pub fn delivered(&self, client: ClientId, count: u64) {
        self.update(client, |load| load.delivered += count);
    }

    pub fn sent(&self, client: ClientId) {
        self.update(client, |load| load.sent += 1);
    }

    /// The report: every client's numbers, the counts reset. A client with nothing
    /// open is reported once more (its zero) and then forgotten.
    fn take(&self) -> Vec<ClientLoad> {
        let Ok(mut clients) = self.clients.lock() else {
            return Vec::new();
        };
        let report: Vec<ClientLoad> = clients.values().copied().collect();
        clients.retain(|_, load| load.connections > 0);
        for load in clients.values_mut() {
            load.delivered = 0;
            load.sent = 0;
        }
        report
    }
}

/// Reports this node's tally every [`REPORT_INTERVAL`], for as long as the node runs.
pub fn start_reporting(engine: SharedEngine, node: Arc<NodeInfo>) {
    actix::spawn(async move {
        let mut ticks = tokio::time::interval(REPORT_INTERVAL);
        loop {
            ticks.tick().await;
            let loads = node.load.take();
            if loads.is_empty() {
                continue;
            }
            let reported = engine
                .record_load(
                    &node.name,
                    Utc::now(),
                    REPORT_INTERVAL,
                    REPORT_LIVE_FOR,
                    &loads,
                )
                .await;
            if let Err(err) = reported {
                tracing::warn!(error = %err, "load not reported");
            }
        }
    });
}
