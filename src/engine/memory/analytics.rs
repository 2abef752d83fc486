//! Analytics in memory: each client's hours, and each node's latest report per
//! client.

use chrono::{DateTime, Utc};

use super::State;
use crate::domain::{
    analytics::{hour_of, ClientLoad, Counter, HourUsage, NodeLoad},
    ids::{ClientId, UserId},
};

impl State {
    fn hour(&mut self, client: ClientId, hour: i64) -> &mut HourUsage {
        self.usage
            .entry((client, hour))
            .or_insert_with(|| HourUsage {
                hour,
                ..HourUsage::default()
            })
    }

    /// The append's share: one message sent, its sender active.
    pub(super) fn count_sent(
        &mut self,
        client: ClientId,
        sender: Option<UserId>,
        at: DateTime<Utc>,
    ) {
        let hour = self.hour(client, hour_of(at));
        hour.messages_sent += 1;
        hour.active.extend(sender);
    }

    pub(super) fn count(&mut self, client: ClientId, counter: Counter, at: DateTime<Utc>) {
        let hour = self.hour(client, hour_of(at));
        match counter {
            Counter::UserCreated => hour.users += 1,
            Counter::RoomCreated => hour.rooms += 1,
        }
    }

    pub(super) fn record_load(
        &mut self,
        node: &str,
        at: DateTime<Utc>,
        interval: std::time::Duration,
        fresh: std::time::Duration,
        loads: &[ClientLoad],
    ) {
        let fresh = chrono::Duration::from_std(fresh).unwrap_or(chrono::Duration::MAX);
        for load in loads {
            let live = NodeLoad {
                node: node.to_owned(),
                connections: load.connections,
                messages_per_sec: load.sent as f64 / interval.as_secs_f64().max(0.001),
                at,
            };
            self.live
                .insert((load.client, node.to_owned()), (live, at + fresh));
            let connections: u64 = self
                .live
                .iter()
                .filter(|((client, _), (_, until))| *client == load.client && *until > at)
                .map(|(_, (live, _))| live.connections)
                .sum();
            let hour = self.hour(load.client, hour_of(at));
            hour.messages_delivered += load.delivered;
            hour.peak_connections = hour.peak_connections.max(connections);
        }
    }

    pub(super) fn usage(&self, client: ClientId, from: i64, to: i64) -> Vec<HourUsage> {
        (from..=to)
            .map(|hour| {
                self.usage
                    .get(&(client, hour))
                    .cloned()
                    .unwrap_or(HourUsage {
                        hour,
                        ..HourUsage::default()
                    })
            })
            .collect()
    }

    pub(super) fn live_load(&self, client: ClientId) -> Vec<NodeLoad> {
        let now = Utc::now();
        let mut loads: Vec<NodeLoad> = self
            .live
            .iter()
            .filter(|((owner, _), (_, until))| *owner == client && *until > now)
            .map(|(_, (live, _))| live.clone())
            .collect();
        loads.sort_by(|a, b| a.node.cmp(&b.node));
        loads
    }
}
