//! Client applications (`API.md` §4): registering one, and managing it with its
//! master key. One file per operation.

mod register;
mod rotate_key;
mod update;

pub use self::{
    register::{ClientFields, Registered},
    rotate_key::Rotated,
    update::ClientChangeFields,
};
