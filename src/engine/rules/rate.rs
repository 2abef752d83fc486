//! The GCRA rule, as the memory engine runs it. `redis/scripts/gcra.lua` is the same
//! rule in Lua, line for line; the contract suite checks both against the same cases.

use crate::domain::rate::{Limit, RateStatus};

/// Checks a bucket whose stored arrival time is `tat` (ms, `None` when the bucket is
/// full) at `now` (ms). Returns the status and, when a unit was taken, the arrival
/// time to store (which may be forgotten once `now` passes it).
pub fn take(limit: Limit, tat: Option<u64>, now: u64) -> (RateStatus, Option<u64>) {
    let interval = limit.interval_ms;
    let window = interval * u64::from(limit.burst);
    let tat = tat.unwrap_or(now).max(now);
    let next = tat + interval;
    let allowed_at = next.saturating_sub(window);
    if now < allowed_at {
        let status = RateStatus {
            allowed: false,
            limit: limit.burst,
            remaining: 0,
            retry_after_ms: allowed_at - now,
            reset_ms: tat - now,
        };
        return (status, None);
    }
    let used = next - now;
    let status = RateStatus {
        allowed: true,
        limit: limit.burst,
        remaining: u32::try_from((window - used) / interval).unwrap_or(u32::MAX),
        retry_after_ms: 0,
        reset_ms: used,
    };
    (status, Some(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_one_per_interval() {
        let limit = Limit::per_second(20, 40).unwrap();
        let mut tat = None;
        for expected_remaining in (0..40).rev() {
            let (status, next) = take(limit, tat, 1_000);
            assert!(status.allowed);
            assert_eq!(status.remaining, expected_remaining);
            tat = next;
        }
        let (refused, none) = take(limit, tat, 1_000);
        assert!(!refused.allowed);
        assert_eq!(none, None);
        assert_eq!(refused.retry_after_ms, 50);
        assert_eq!(refused.reset_ms, 2_000);
        let (later, _) = take(limit, tat, 1_050);
        assert!(later.allowed);
        assert_eq!(later.remaining, 0);
    }

    #[test]
    fn a_rested_bucket_is_full_again() {
        let limit = Limit::per_minute(10).unwrap();
        let (_, tat) = take(limit, None, 0);
        let (status, _) = take(limit, tat, 60_000);
        assert_eq!(status.remaining, 9);
    }

    #[test]
    fn zero_turns_a_limit_off() {
        assert_eq!(Limit::per_second(0, 40), None);
        assert_eq!(Limit::per_second(20, 0), None);
        assert_eq!(Limit::per_minute(0), None);
    }
}
