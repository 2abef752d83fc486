//! The embedded engine serves a single node: there is no other node to hear from or
//! to tell, so subscriptions and publications have nobody on the other side.

use async_trait::async_trait;

use super::MemoryEngine;
use crate::{
    domain::ids::RoomId,
    engine::{Broker, EngineError, Inbound, Topic},
};

#[async_trait]
impl Broker for MemoryEngine {
    fn start_broker(&self, _sink: tokio::sync::mpsc::UnboundedSender<Inbound>) {}

    fn subscribe(&self, _room: RoomId) {}

    fn unsubscribe(&self, _room: RoomId) {}

    async fn publish(&self, _topic: Topic, _payload: String) -> Result<(), EngineError> {
        Ok(())
    }
}
