//! Authentication: issuing keys, recording what happens to them, and turning the
//! bearer key of a request into a caller.

pub mod audit;
pub mod extract;
pub mod keys;
