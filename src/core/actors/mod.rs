//! The real-time core: one [`registry::Registry`] per node supervises a
//! [`room::RoomActor`] per active room and knows every WebSocket session (whose actor
//! lives at the edge, in `ws/`).
//!
//! A room's actor is the one place that orders that room's events: it runs one
//! command at a time, writes through the engine first, then fans the event out to the
//! local sessions, so every member sees a room's events in `seq` order, once. The
//! registry owns the lifecycles: it starts a room actor on first use (and again,
//! rebuilt from the store and its own session table, if one stops), it alone stops an
//! idle one (so no request is ever sent to an actor that is going away), and it knows
//! every session by user, so a key revocation can close that user's sockets at once.

pub mod cluster;
pub mod messages;
pub mod registry;
pub mod room;

use actix::{dev::ToEnvelope, Actor, Addr, Handler, Message, Recipient};

/// Sends a message without waiting for an answer. An actor that is gone is logged,
/// not silently skipped: the registry restarts rooms on their next use, but a message
/// lost on the way is worth knowing about.
pub trait Tell<M> {
    fn tell(&self, msg: M);
}

impl<A, M> Tell<M> for Addr<A>
where
    A: Actor + Handler<M>,
    A::Context: ToEnvelope<A, M>,
    M: Message + Send + 'static,
    M::Result: Send,
{
    fn tell(&self, msg: M) {
        send_if::<M>(self.connected(), || self.do_send(msg));
    }
}

impl<M> Tell<M> for Recipient<M>
where
    M: Message + Send + 'static,
    M::Result: Send,
{
    fn tell(&self, msg: M) {
        send_if::<M>(self.connected(), || self.do_send(msg));
    }
}

fn send_if<M>(connected: bool, send: impl FnOnce()) {
    if connected {
        send();
    } else {
        tracing::warn!(
            message = std::any::type_name::<M>(),
            "actor stopped; message dropped"
        );
    }
}
