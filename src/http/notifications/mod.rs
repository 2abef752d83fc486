//! `/notifications`: the master key sends; a user reads its own inbox.

pub mod create;
pub mod list;
pub mod read;
