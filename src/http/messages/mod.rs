//! `/messages` and a room's history: each request is a core room command, run by the
//! actor of the message's room.

pub mod create;
pub mod delete;
pub mod history;
pub mod reactions;
pub mod read;
pub mod update;
