//! Notifications (`API.md` §7): the master key sends one to some users or to a
//! room's members; each recipient gets a `notification` frame at once on every node
//! where it is connected, and an entry in its inbox, which it reads and marks with
//! its scoped key. One file per operation.

mod inbox;
mod send;

pub use self::send::NotificationFields;
