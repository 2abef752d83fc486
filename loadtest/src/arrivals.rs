//! One socket's bookkeeping of the stamped messages it reads, shared by the two kinds
//! of reader ([`crate::measure`]'s one-room subscribers and [`crate::deliver`]'s
//! room members), so that both count a duplicate, an order violation or a latency
//! the same way and their figures compare.

use std::time::Duration;

/// Which of the messages a socket expects have come, how long each took, and
/// whether the room's `seq` only went up.
pub struct Arrivals {
    /// Per message index: whether it arrived.
    pub seen: Vec<bool>,
    /// How many of `seen` are true, kept so that "all in?" is not a scan per frame.
    pub count: usize,
    /// Nanoseconds from send to read, one per first arrival.
    pub latencies: Vec<u64>,
    /// A message index that arrived again.
    pub duplicates: u64,
    /// A first arrival whose `seq` was not above the highest one seen here.
    pub out_of_order: u64,
    /// A `message.new` this socket cannot place: without our stamp, of another room,
    /// or with an index out of range.
    pub unexpected: u64,
    /// When the last first arrival was read, since the clock.
    pub last_at: Option<Duration>,
    /// The highest `seq` seen so far; 0 before any (the server's start at 1).
    last_seq: u64,
}

impl Arrivals {
    /// Room for `messages` messages, indexed 0 to `messages - 1`.
    pub fn new(messages: usize) -> Self {
        Self {
            seen: vec![false; messages],
            count: 0,
            latencies: Vec::with_capacity(messages),
            duplicates: 0,
            out_of_order: 0,
            unexpected: 0,
            last_at: None,
            last_seq: 0,
        }
    }

    /// Whether every expected message has come.
    pub fn complete(&self) -> bool {
        self.count == self.seen.len()
    }

    /// Records message `k`, stamped as sent at `sent` ns and read at `now` (both since
    /// the clock), with the room's `seq` if the frame had one. True for its first
    /// arrival, which is the only one that counts towards latency and order.
    pub fn record(&mut self, k: usize, sent: u64, now: Duration, seq: Option<u64>) -> bool {
        match self.seen.get_mut(k) {
            None => {
                self.unexpected += 1;
                false
            }
            Some(true) => {
                self.duplicates += 1;
                false
            }
            Some(slot) => {
                *slot = true;
                self.count += 1;
                self.latencies.push(nanos(now).saturating_sub(sent));
                self.last_at = Some(now);
                if let Some(seq) = seq {
                    if seq <= self.last_seq {
                        self.out_of_order += 1;
                    }
                    self.last_seq = self.last_seq.max(seq);
                }
                true
            }
        }
    }

    /// Records a `message.new` that cannot be placed at all.
    pub fn unexpected(&mut self) {
        self.unexpected += 1;
    }
}

/// How a socket's reading ended.
pub enum End {
    /// Every message arrived.
    Complete,
    /// Told to stop (at the deadline), with messages missing.
    Stopped,
    /// The server closed it, with the close frame's code and reason if any.
    Closed(Option<(u16, String)>),
    /// A transport error.
    Failed(String),
}

/// Nanoseconds as a JSON-safe integer (`u64` holds 584 years).
pub fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_arrivals_count_and_the_rest_is_told_apart() {
        let mut arrivals = Arrivals::new(3);
        let at = Duration::from_nanos(50);
        assert!(arrivals.record(1, 20, at, Some(5)));
        assert!(!arrivals.record(1, 20, at, Some(6)));
        assert!(!arrivals.record(3, 20, at, Some(7)));
        assert!(arrivals.record(0, 40, at, Some(4)));
        assert!(!arrivals.complete());
        assert!(arrivals.record(2, 10, at, None));
        assert!(arrivals.complete());
        assert_eq!(arrivals.seen, vec![true, true, true]);
        assert_eq!(arrivals.latencies, vec![30, 10, 40]);
        assert_eq!(
            (
                arrivals.duplicates,
                arrivals.unexpected,
                arrivals.out_of_order
            ),
            (1, 1, 1)
        );
        assert_eq!(arrivals.last_at, Some(at));
    }
}
