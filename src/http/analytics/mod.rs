//! `/analytics`: the calling client's usage by bucket, and its load now (master key).

pub mod live;
pub mod usage;
