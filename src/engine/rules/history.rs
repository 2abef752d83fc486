//! History windows. A room's messages are numbered 1..=`last` with no gap, so a window
//! is arithmetic on `seq`s: `Before(b)` is the newest `limit` below `b`, newest first;
//! `After(a)` the oldest `limit` above `a`, oldest first. Memory looks the `seq`s up in
//! its vector, Redis in its hash; a `seq` with no message (only a room deleted while
//! being read) is skipped by both.

use crate::domain::message::HistoryRange;

/// The `seq`s a history read returns, in its order.
pub fn window(range: HistoryRange, limit: usize, last: u64) -> Vec<u64> {
    let limit = u64::try_from(limit).unwrap_or(u64::MAX);
    match range {
        HistoryRange::After(after) => {
            let end = last.min(after.saturating_add(limit));
            (after.saturating_add(1)..=end).collect()
        }
        HistoryRange::Before(before) => {
            let top = last.min(before.saturating_sub(1));
            let Some(span) = limit.checked_sub(1) else {
                return Vec::new();
            };
            let bottom = top.saturating_sub(span).max(1);
            (bottom..=top).rev().collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_documented_slices() {
        assert_eq!(window(HistoryRange::After(0), 3, 5), [1, 2, 3]);
        assert_eq!(window(HistoryRange::After(3), 10, 5), [4, 5]);
        assert!(window(HistoryRange::After(5), 10, 5).is_empty());
        assert!(window(HistoryRange::After(u64::MAX), 10, 5).is_empty());
        assert_eq!(window(HistoryRange::Before(5), 2, 5), [4, 3]);
        assert_eq!(window(HistoryRange::Before(u64::MAX), 2, 5), [5, 4]);
        assert_eq!(window(HistoryRange::Before(3), 10, 5), [2, 1]);
        assert!(window(HistoryRange::Before(1), 10, 5).is_empty());
        assert!(window(HistoryRange::Before(5), 0, 5).is_empty());
        assert!(window(HistoryRange::After(0), 0, 5).is_empty());
        assert!(window(HistoryRange::Before(9), 3, 0).is_empty());
        assert_eq!(window(HistoryRange::After(0), usize::MAX, 2), [1, 2]);
    }
}
