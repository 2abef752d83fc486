//! The WebSocket API (`API.md` §6): the wire protocol and the upgrade route. The
//! session actor that holds each connection lives in `actors/session.rs`.

pub mod protocol;
pub mod route;
