//! Socket readers for the scenarios with many rooms or one huge one ([`crate::rooms`],
//! [`crate::bigroom`]): each socket is a member of exactly one room, reads every frame,
//! and keeps, for the `message.new` frames stamped by this run, which messages came,
//! how long each took, and whether the room's `seq` only went up. Every first arrival
//! also bumps a counter shared by all readers, so the scenario knows when everything
//! is in without asking each socket.
//!
//! A message's stamp is its `metadata`: `{"t": <ns since the run's clock>, "k":
//! <index within its room>, "r": <room index>}`.

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use futures_util::{SinkExt, StreamExt};
use tokio::{
    sync::{mpsc, watch},
    task::JoinSet,
    time::{timeout_at, Instant as TokioInstant},
};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    arrivals::{nanos, text_or_end, Arrivals, End, Frame, Totals},
    measure::Socket,
    report::Report,
};

/// How long the readers get to hand in their figures once told to stop.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// One socket's figures.
pub struct Tally {
    /// The room this socket's user is a member of.
    pub room: usize,
    /// Which of that room's messages came, and how; and the other frames.
    pub arrivals: Arrivals,
    /// Nanoseconds from a `message.send` this socket sent to its `ack`.
    pub acks: Vec<u64>,
    /// The message indices of our `message.send` requests answered with `error`.
    pub refused: Vec<usize>,
    /// The first such error frame.
    pub first_refusal: Option<String>,
    pub end: End,
    /// Open until the scenario drops every tally at once.
    _socket: Socket,
}

/// Reads `socket`, a member of room `room` into which `messages` messages will be
/// posted, until all have arrived, the server closes it, or `stop`. Frames that come
/// on `outgoing` (`message.send` requests, when the members post over their sockets)
/// are sent on the socket as they come.
pub async fn read(
    mut socket: Socket,
    room: usize,
    messages: usize,
    clock: Instant,
    delivered: Arc<AtomicU64>,
    mut stop: watch::Receiver<bool>,
    mut outgoing: Option<mpsc::Receiver<String>>,
) -> Tally {
    let mut acks = Vec::new();
    let mut refused = Vec::new();
    let mut first_refusal = None;
    let mut arrivals = Arrivals::new(messages);
    let end = loop {
        if arrivals.complete() {
            break End::Complete;
        }
        let item = tokio::select! {
            item = socket.next() => item,
            _ = stop.changed() => break End::Stopped,
            frame = next_outgoing(&mut outgoing) => {
                match frame {
                    Some(frame) => {
                        if let Err(err) = socket.send(Message::Text(frame)).await {
                            break End::Failed(format!("cannot send: {err}"));
                        }
                    }
                    // Everything was sent: stop polling the channel.
                    None => outgoing = None,
                }
                continue;
            }
        };
        let text = match text_or_end(item) {
            Ok(Some(text)) => text,
            Ok(None) => continue,
            Err(end) => break end,
        };
        let now = clock.elapsed();
        let Ok(frame) = serde_json::from_str::<Frame>(&text) else {
            arrivals.other("(unreadable)".to_owned());
            continue;
        };
        let ours = frame.id.as_deref().and_then(parse_request_id);
        match (frame.kind.as_str(), ours) {
            ("message.new", _) => {}
            ("ack", Some((sent, _))) => {
                acks.push(nanos(now).saturating_sub(sent));
                continue;
            }
            ("error", Some((_, k))) => {
                refused.push(k);
                first_refusal.get_or_insert_with(|| text.to_string());
                continue;
            }
            _ => {
                arrivals.other(frame.kind);
                continue;
            }
        }
        let data = frame.data;
        let stamp = data.as_ref().and_then(|d| d.metadata.as_ref());
        let (Some(t), Some(k), Some(r)) = (
            stamp.and_then(|s| s.t),
            stamp.and_then(|s| s.k),
            stamp.and_then(|s| s.r),
        ) else {
            arrivals.unexpected();
            continue;
        };
        if r != room {
            arrivals.unexpected();
            continue;
        }
        if arrivals.record(k, t, now, data.and_then(|d| d.seq)) {
            delivered.fetch_add(1, Ordering::Relaxed);
        }
    };
    Tally {
        room,
        arrivals,
        acks,
        refused,
        first_refusal,
        end,
        _socket: socket,
    }
}

/// The `id` of a `message.send` sent at `sent` (since the clock) for message `k`.
pub fn request_id(sent: Duration, k: usize) -> String {
    format!("{}.{k}", nanos(sent))
}

/// The inverse of [`request_id`].
fn parse_request_id(id: &str) -> Option<(u64, usize)> {
    let (sent, k) = id.split_once('.')?;
    Some((sent.parse().ok()?, k.parse().ok()?))
}

/// The next frame to send, or pending forever when there is no channel (so `select!`
/// never picks this branch); `None` once the channel is closed and empty.
async fn next_outgoing(outgoing: &mut Option<mpsc::Receiver<String>>) -> Option<String> {
    match outgoing {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Tells the readers still running to stop, and collects every tally. Returns them
/// and how many readers did not even answer the stop (aborted; a bug if ever non-zero).
pub async fn collect(
    mut readers: JoinSet<Tally>,
    stop: &watch::Sender<bool>,
) -> Result<(Vec<Tally>, usize)> {
    let mut tallies = Vec::with_capacity(readers.len());
    // Nobody may be listening any more; that is fine.
    let _ = stop.send(true);
    let grace = TokioInstant::now() + STOP_GRACE;
    while let Ok(Some(joined)) = timeout_at(grace, readers.join_next()).await {
        tallies.push(joined.context("a socket reader panicked")?);
    }
    let unfinished = readers.len();
    readers.abort_all();
    Ok((tallies, unfinished))
}

/// Waits until `delivered` reaches `target` or `deadline`; true if it did.
pub async fn wait_for(delivered: &AtomicU64, target: u64, deadline: TokioInstant) -> bool {
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    loop {
        if delivered.load(Ordering::Relaxed) >= target {
            return true;
        }
        if TokioInstant::now() >= deadline {
            return false;
        }
        tick.tick().await;
    }
}

/// The delivery figures of a run, added to `report`. `accepted[r][k]` says whether
/// message k of room r was accepted; every socket of room r should have each of those.
/// `first_post` is when the first post was sent, since the clock.
pub fn add_figures(
    report: &mut Report,
    tallies: &[Tally],
    sockets: u64,
    unfinished: usize,
    accepted: &[Vec<bool>],
    first_post: Duration,
) -> Result<u64> {
    let mut totals = Totals::new()?;
    let mut expected = 0;
    let (mut complete, mut stopped, mut closed, mut failed) = (0, 0, 0, 0);
    let mut closes: BTreeMap<String, u64> = BTreeMap::new();
    for tally in tallies {
        let room = accepted.get(tally.room).map_or(&[][..], Vec::as_slice);
        expected += room.iter().filter(|&&a| a).count() as u64;
        totals.add(&tally.arrivals, room);
        match &tally.end {
            End::Complete => complete += 1,
            End::Stopped => stopped += 1,
            End::Closed(frame) => {
                closed += 1;
                *closes.entry(End::close_label(frame.as_ref())).or_insert(0) += 1;
            }
            End::Failed(err) => {
                failed += 1;
                *closes.entry(format!("failed: {err}")).or_insert(0) += 1;
            }
        }
    }
    // A socket whose reader never reported lost all it would have received; its
    // room is unknown here, so this counts sockets, not messages.
    let silent = sockets.saturating_sub(tallies.len() as u64);

    let (window, per_sec) = totals.window(first_post);
    report.count("deliveries", "deliveries", totals.delivered);
    report.count("deliveries_expected", "deliveries expected", expected);
    report.count(
        "deliveries_missing",
        "deliveries missing (loss)",
        totals.missing,
    );
    report.seconds("delivery_window", "first post to last delivery", window);
    report.rate("deliveries_per_sec", "deliveries/s", per_sec);
    report.latency("delivery_latency", "delivery latency", &totals.latency);
    report.count("duplicates", "duplicates", totals.duplicates);
    report.count(
        "out_of_order",
        "order violations (seq)",
        totals.out_of_order,
    );
    report.count("unexpected", "unexpected messages", totals.unexpected);
    report.count("sockets_complete", "sockets complete", complete);
    report.count("sockets_short", "sockets short at the deadline", stopped);
    report.count(
        "sockets_closed",
        "sockets closed or failed",
        closed + failed,
    );
    report.count("sockets_unaccounted", "sockets unaccounted", silent);
    for (close, n) in &closes {
        report.note(format!("  closed: {close} × {n}"));
    }
    let other = totals.other_frames();
    report.row(
        "other_frames",
        "other frames",
        other.clone(),
        serde_json::Value::String(other),
    );
    report.problem_if(totals.missing, "deliveries missing");
    report.problem_if(totals.out_of_order, "order violations");
    report.problem_if(totals.duplicates, "duplicates");
    report.problem_if(totals.unexpected, "unexpected messages");
    report.problem_if(closed + failed, "sockets closed or failed");
    report.problem_if(silent, "sockets unaccounted");
    report.problem_if(unfinished as u64, "readers aborted");
    Ok(totals.delivered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_carry_the_send_time_and_index() {
        let id = request_id(Duration::from_nanos(123_456), 7);
        assert_eq!(id, "123456.7");
        assert_eq!(parse_request_id(&id), Some((123_456, 7)));
        assert_eq!(parse_request_id("r1"), None);
        let ack = r#"{"type":"ack","id":"5.2","data":{"seq":3,"metadata":{"t":5,"k":2,"r":0}}}"#;
        let frame: Frame = serde_json::from_str(ack).unwrap();
        assert_eq!(frame.id.as_deref().and_then(parse_request_id), Some((5, 2)));
    }
}
