//! Rate limits (`API.md` §8): what a limit is, and what a check of one says.
//!
//! Every limit is a GCRA (the generic cell rate algorithm, a token bucket kept as one
//! number): a bucket refills one unit every `interval_ms` up to `burst`, and stores
//! only the "theoretical arrival time" at which it will be full again. The rule itself
//! is written once per language: `engine::rules::rate` for the memory engine and
//! `engine/redis/scripts/gcra.lua` for Redis, and the contract suite holds both to it.

use super::ids::Shard;

/// At most `burst` at once, then one per `interval_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub interval_ms: u64,
    pub burst: u32,
}

impl Limit {
    /// `count` per second with bursts of `burst`; `None` (no limit) if either is 0.
    pub fn per_second(count: u32, burst: u32) -> Option<Self> {
        (count > 0 && burst > 0).then(|| Self {
            interval_ms: (1000 / u64::from(count)).max(1),
            burst,
        })
    }

    /// `count` per minute, all of which may come at once; `None` if 0.
    pub fn per_minute(count: u32) -> Option<Self> {
        (count > 0).then(|| Self {
            interval_ms: (60_000 / u64::from(count)).max(1),
            burst: count,
        })
    }
}

/// One bucket to draw from: whose it is (the caller's scope, e.g. `msg:<user id>`)
/// and its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateCheck {
    pub bucket: String,
    /// The tenant the bucket belongs to, so a store can keep it beside the tenant's
    /// other keys (the send draws from it in the same step); `None` for an address's.
    pub shard: Option<Shard>,
    pub limit: Limit,
}

/// What a check found, for the answer and its `X-RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateStatus {
    /// Whether one unit was taken (the request may go on).
    pub allowed: bool,
    /// The bucket's size.
    pub limit: u32,
    /// Units left after this check.
    pub remaining: u32,
    /// When refused: how long until one unit is back.
    pub retry_after_ms: u64,
    /// How long until the bucket is full again.
    pub reset_ms: u64,
}

impl RateStatus {
    /// `Retry-After` in whole seconds, at least 1.
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after_ms.div_ceil(1000).max(1)
    }

    /// `X-RateLimit-Reset` in whole seconds.
    pub fn reset_secs(&self) -> u64 {
        self.reset_ms.div_ceil(1000)
    }
}
