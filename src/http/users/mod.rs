//! `/users`: the client's users (master key) and a user's own account (scoped key).
//! The rules are the core's; these handlers read the request and choose the status.

pub mod create;
pub mod delete;
pub mod list;
pub mod login;
pub mod logout;
pub mod me;
pub mod profile;
pub mod read;
pub mod revoke;
pub mod update;
