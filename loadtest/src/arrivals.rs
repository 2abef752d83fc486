//! One socket's bookkeeping of the stamped messages it reads, shared by the two kinds
//! of reader ([`crate::measure`]'s one-room subscribers and [`crate::deliver`]'s
//! room members), so that both count a duplicate, an order violation or a latency
//! the same way and their figures compare. [`Totals`] sums them for a run's figures;
//! [`Frame`] and [`text_or_end`] are how both readers read a socket in the first place.

use std::{collections::BTreeMap, time::Duration};

use anyhow::Result;
use serde::Deserialize;
use tokio_tungstenite::tungstenite::{Error, Message};

use crate::stats::Latencies;

/// The parts of a server frame the readers look at; everything else is skipped.
#[derive(Deserialize)]
pub struct Frame {
    #[serde(rename = "type")]
    pub kind: String,
    /// The request id an `ack` or `error` repeats: for the `message.send` frames of
    /// [`crate::deliver`], `<send time in ns since the clock>.<message index>`.
    pub id: Option<String>,
    pub data: Option<FrameData>,
}

/// Optional throughout, because other events share the `data` name with other shapes.
#[derive(Deserialize)]
pub struct FrameData {
    pub seq: Option<u64>,
    pub metadata: Option<Stamp>,
}

/// What the poster put in `metadata`.
#[derive(Deserialize)]
pub struct Stamp {
    /// Send time, nanoseconds since the scenario's clock.
    pub t: Option<u64>,
    /// Message index within its room, 0-based.
    pub k: Option<usize>,
    /// Room index, where a run has many rooms.
    pub r: Option<usize>,
}

/// What one read from a socket means to a reader: `Ok(Some(text))` for a text frame,
/// `Ok(None)` for one to skip (pings are answered by tungstenite itself while we
/// read), or `Err` with how the reading ends.
pub fn text_or_end(item: Option<Result<Message, Error>>) -> Result<Option<String>, End> {
    match item {
        Some(Ok(Message::Text(text))) => Ok(Some(text)),
        Some(Ok(Message::Close(frame))) => Err(End::Closed(
            frame.map(|f| (u16::from(f.code), f.reason.into_owned())),
        )),
        Some(Ok(_)) => Ok(None),
        Some(Err(err)) => Err(End::Failed(err.to_string())),
        None => Err(End::Closed(None)),
    }
}

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
    /// The frames that are not a `message.new`, by type, and `(unreadable)` ones.
    pub other: BTreeMap<String, u64>,
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
            other: BTreeMap::new(),
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

    /// Records a frame of another `kind` than `message.new`.
    pub fn other(&mut self, kind: String) {
        *self.other.entry(kind).or_insert(0) += 1;
    }
}

/// The arrivals of every socket that reported, summed.
pub struct Totals {
    /// First arrivals.
    pub delivered: u64,
    /// Accepted messages a socket did not get.
    pub missing: u64,
    pub latency: Latencies,
    /// The latest first arrival on any socket, since the clock.
    pub last_at: Duration,
    pub duplicates: u64,
    pub out_of_order: u64,
    pub unexpected: u64,
    pub other: BTreeMap<String, u64>,
}

impl Totals {
    pub fn new() -> Result<Self> {
        Ok(Self {
            delivered: 0,
            missing: 0,
            latency: Latencies::new()?,
            last_at: Duration::ZERO,
            duplicates: 0,
            out_of_order: 0,
            unexpected: 0,
            other: BTreeMap::new(),
        })
    }

    /// Adds one socket's arrivals; `accepted[k]` says whether message k was accepted,
    /// so that the socket should have it.
    pub fn add(&mut self, arrivals: &Arrivals, accepted: &[bool]) {
        self.delivered += arrivals.count as u64;
        self.missing += accepted
            .iter()
            .zip(&arrivals.seen)
            .filter(|&(&accepted, &seen)| accepted && !seen)
            .count() as u64;
        for &sample in &arrivals.latencies {
            self.latency.record(Duration::from_nanos(sample));
        }
        self.last_at = self.last_at.max(arrivals.last_at.unwrap_or_default());
        self.duplicates += arrivals.duplicates;
        self.out_of_order += arrivals.out_of_order;
        self.unexpected += arrivals.unexpected;
        for (kind, n) in &arrivals.other {
            *self.other.entry(kind.clone()).or_insert(0) += n;
        }
    }

    /// The time from `first_post` (since the clock) to the last delivery, and the
    /// deliveries per second over it (0 for an empty window).
    pub fn window(&self, first_post: Duration) -> (Duration, f64) {
        let window = self.last_at.saturating_sub(first_post);
        let per_sec = if window.is_zero() {
            0.0
        } else {
            self.delivered as f64 / window.as_secs_f64()
        };
        (window, per_sec)
    }

    /// The other frames as `kind=n` by kind, or `none`.
    pub fn other_frames(&self) -> String {
        if self.other.is_empty() {
            "none".to_owned()
        } else {
            self.other
                .iter()
                .map(|(kind, n)| format!("{kind}={n}"))
                .collect::<Vec<_>>()
                .join(" ")
        }
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

impl End {
    /// A close as the figures group it: `<code> "<reason>"`, or `no close frame`.
    pub fn close_label(frame: Option<&(u16, String)>) -> String {
        match frame {
            Some((code, reason)) => format!("{code} {reason:?}"),
            None => "no close frame".to_owned(),
        }
    }
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

        let mut totals = Totals::new().unwrap();
        totals.add(&arrivals, &[true, true, true, true]);
        let mut short = Arrivals::new(2);
        short.other("presence".to_owned());
        short.other("presence".to_owned());
        short.other("(unreadable)".to_owned());
        totals.add(&short, &[true, false]);
        assert_eq!((totals.delivered, totals.missing), (3, 1));
        assert_eq!(totals.other_frames(), "(unreadable)=1 presence=2");
        assert_eq!(
            totals.window(Duration::from_nanos(10)),
            (Duration::from_nanos(40), 3.0 / 40e-9)
        );
        assert_eq!(
            End::close_label(Some(&(4003, "revoked".to_owned()))),
            "4003 \"revoked\""
        );
        assert_eq!(End::close_label(None), "no close frame");
    }
}
