//! Validated values and records. Parsing happens once, at the edge; everything inward
//! takes these types, never raw strings. No I/O here.

pub mod analytics;
pub mod client;
pub mod cursor;
pub mod ids;
pub mod keys;
pub mod message;
pub mod notification;
pub mod page;
pub mod rate;
pub mod redact;
pub mod room;
pub mod security_event;
pub mod user;
pub mod validation;
pub mod webhook;
