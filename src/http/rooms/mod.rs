//! `/rooms`: each request about one room is a core room command, run by the room's
//! actor; these handlers only read the request and choose the status.

pub mod create;
pub mod delete;
pub mod direct;
pub mod list;
pub mod members;
pub mod membership;
pub mod presence;
pub mod read;
pub mod read_position;
pub mod update;
