//! The in-process broker: the same contract as the Redis one (`redis/pubsub.rs`), with
//! this node as the only listener. `start_broker` keeps the sink; the control channel
//! always reaches it; a room's channel reaches it only while the room is subscribed,
//! and subscriptions are a set, as on Redis: subscribing twice and unsubscribing once
//! leaves the room unsubscribed. Before `start_broker` there is no listener, so
//! subscriptions are dropped as the Redis engine drops them (it has no subscriber task
//! yet to tell).
//!
//! The broker lives inside [`State`], under the store's lock, so that
//! `append_message` announces each `seq` in the critical section that assigned it:
//! announcements leave in `seq` order, as they do from the Redis script.

use std::collections::HashSet;

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedSender;

use super::{MemoryEngine, State};
use crate::{
    domain::ids::RoomId,
    engine::{Broker, EngineError, Inbound, Topic},
};

/// The broker's share of the state.
#[derive(Default)]
pub(super) struct LocalBroker {
    /// Where this node hears what is published; set once, by `start_broker`.
    sink: Option<UnboundedSender<Inbound>>,
    /// The rooms whose channel this node listens to.
    rooms: HashSet<RoomId>,
}

impl LocalBroker {
    /// Hands `payload` to the sink if this node listens on `topic`. A sink whose
    /// receiver is gone means the node is shutting down: nobody is left to tell.
    pub(super) fn deliver(&self, topic: Topic, payload: String) {
        let Some(sink) = &self.sink else {
            return;
        };
        let inbound = match topic {
            Topic::Control => Inbound::Control { payload },
            Topic::Room(room_id) if self.rooms.contains(&room_id) => {
                Inbound::Room { room_id, payload }
            }
            Topic::Room(_) => return,
        };
        if sink.send(inbound).is_err() {
            tracing::debug!("broker sink closed (the node is stopping); payload dropped");
        }
    }
}

/// The notice `append_message` publishes on a room's channel, shaped as
/// `redis/scripts/append_message.lua` publishes it: `{"seq":N,"message":…}`, the
/// message's JSON as stored (its own `seq` 0).
fn seq_notice(seq: u64, stored_json: &str) -> String {
    format!("{{\"seq\":{seq},\"message\":{stored_json}}}")
}

impl State {
    /// Announces a new message on its room's channel.
    pub(super) fn announce(&self, room: RoomId, seq: u64, stored_json: &str) {
        self.broker
            .deliver(Topic::Room(room), seq_notice(seq, stored_json));
    }
}

impl MemoryEngine {
    /// Runs `change` on the broker. A poisoned lock (a panic mid-write) leaves nothing
    /// sound to change, and these calls have no error to return: the store's next
    /// call reports it.
    fn with_broker(&self, change: impl FnOnce(&mut LocalBroker)) {
        if let Ok(mut state) = self.state() {
            change(&mut state.broker);
        }
    }
}

#[async_trait]
impl Broker for MemoryEngine {
    fn start_broker(&self, sink: UnboundedSender<Inbound>) {
        self.with_broker(|broker| {
            // Called once at start-up; like the Redis engine, a second call changes nothing.
            broker.sink.get_or_insert(sink);
        });
    }

    async fn subscribe(&self, room: RoomId) {
        self.with_broker(|broker| {
            if broker.sink.is_some() {
                broker.rooms.insert(room);
            }
        });
    }

    fn unsubscribe(&self, room: RoomId) {
        self.with_broker(|broker| {
            broker.rooms.remove(&room);
        });
    }

    async fn publish(&self, topic: Topic, payload: String) -> Result<(), EngineError> {
        self.state()?.broker.deliver(topic, payload);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seq_notice_is_shaped_as_the_redis_script_publishes_it() {
        let script = include_str!("../redis/scripts/append_message.lua");
        let published = r#"'{"seq":' .. seq .. ',"message":' .. ARGV[1] .. '}'"#;
        assert!(script.contains(published), "{script}");
        let notice = seq_notice(42, r#"{"id":"m","seq":0}"#);
        assert_eq!(notice, r#"{"seq":42,"message":{"id":"m","seq":0}}"#);
    }
}
