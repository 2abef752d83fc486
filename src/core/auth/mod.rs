//! Authentication: issuing keys, recording what happens to them, and turning a
//! presented key into a [`Caller`]. The edges only find the key (a bearer header, an
//! `auth` frame) and the caller's address; every rule is here.

pub mod audit;
pub mod authenticate;
pub mod cache;
pub mod caller;
pub mod keys;

pub use self::{
    authenticate::Credentials,
    cache::CallerCache,
    caller::{Caller, MasterCaller, UserCaller},
};
