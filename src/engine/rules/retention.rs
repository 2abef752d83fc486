//! How long things are kept, as instants computed from the domain's durations. Memory
//! drops what these say is gone as it writes; Redis hands the same instants to
//! `XADD MINID` and `PEXPIREAT` (or the window to `SET PX`), so the store expires it.

use chrono::{DateTime, Utc};

use crate::domain::{
    keys::RECORD_RETENTION, message::IDEMPOTENCY_WINDOW, security_event::SecurityEvent,
    security_event::RETENTION,
};

/// Security events from before this instant are gone: not listed, and trimmed.
pub fn event_horizon(now: DateTime<Utc>) -> DateTime<Utc> {
    now - RETENTION
}

/// Whether `event` is still kept at `horizon` (an [`event_horizon`]).
pub fn event_kept(event: &SecurityEvent, horizon: DateTime<Utc>) -> bool {
    event.at >= horizon
}

/// Until when a revoked key's record is kept as a tombstone, so a late use of the key
/// is answered "revoked" rather than "unknown".
pub fn tombstone_until(revoked_at: DateTime<Utc>) -> DateTime<Utc> {
    revoked_at + RECORD_RETENTION
}

/// Until when an expiring key's record is kept: it outlives the expiry, so a late use
/// reads "expired", not "unknown".
pub fn expired_record_until(expires_at: DateTime<Utc>) -> DateTime<Utc> {
    expires_at + RECORD_RETENTION
}

/// A `client_msg_id` first sent before this instant no longer makes a resend return
/// the original (Redis keeps each for [`IDEMPOTENCY_WINDOW`] with `SET PX`).
pub fn idempotency_horizon(sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at - IDEMPOTENCY_WINDOW
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn each_window_is_the_domain_duration() {
        let now = Utc::now();
        assert_eq!(now - event_horizon(now), Duration::days(90));
        assert_eq!(tombstone_until(now) - now, Duration::days(7));
        assert_eq!(expired_record_until(now) - now, Duration::days(7));
        assert_eq!(now - idempotency_horizon(now), Duration::hours(24));
    }
}
