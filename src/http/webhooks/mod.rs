//! `/webhooks`: the client's webhook endpoints, their deliveries and replays (master
//! key).

pub mod create;
pub mod delete;
pub mod deliveries;
pub mod list;
pub mod read;
pub mod update;
