//! The WebSocket edge (`API.md` §6): the wire protocol (frames in, frames out, close
//! codes), the session actor that holds each connection, the table that sends its
//! requests into the core, the upgrade, and the framing on the upgraded socket.

mod dispatch;
pub mod protocol;
pub mod route;
pub mod session;
mod wire;
