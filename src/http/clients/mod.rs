//! `/clients`: registering a client application and managing it with its master key.

pub mod create;
pub mod read;
pub mod rotate_key;
pub mod update;
