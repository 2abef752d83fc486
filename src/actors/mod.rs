//! The real-time core: one [`registry::Registry`] per node supervises a
//! [`room::RoomActor`] per active room and a [`session::WsSession`] per WebSocket.
//!
//! A room's actor is the one place that orders that room's events: it handles one
//! request at a time, writes through the engine first, then fans the event out to the
//! local sessions, so every member sees a room's events in `seq` order, once. The
//! registry owns the lifecycles: it starts a room actor on first use (and again,
//! rebuilt from the store and its own session table, if one stops), and it knows every
//! session by user, so a key revocation can close that user's sockets at once.

pub mod cluster;
pub mod messages;
pub mod registry;
pub mod room;
pub mod session;
