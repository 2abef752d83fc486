//! The cap on WebSockets one node holds at once (`CHATAPI_MAX_SOCKETS`). An upgraded
//! socket leaves the HTTP server and its connection limit per worker, so this is the
//! node's own bound; a handshake past it is refused before the upgrade.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

/// The node's open WebSockets, against its cap.
#[derive(Debug)]
pub struct SocketSlots {
    open: AtomicUsize,
    /// 0: no cap.
    max: usize,
}

/// One open WebSocket's place; given back when dropped, with its session.
#[derive(Debug)]
pub struct SocketSlot(Arc<SocketSlots>);

impl SocketSlots {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            open: AtomicUsize::new(0),
            max,
        })
    }

    /// A place for one more socket, or `None` when the node holds its cap.
    pub fn take(self: &Arc<Self>) -> Option<SocketSlot> {
        let room = |open: usize| (self.max == 0 || open < self.max).then_some(open + 1);
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, room)
            .ok()
            .map(|_| SocketSlot(self.clone()))
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_run_out_at_the_cap_and_come_back_when_dropped() {
        let slots = SocketSlots::new(2);
        let first = slots.take().unwrap();
        let _second = slots.take().unwrap();
        assert!(slots.take().is_none());
        drop(first);
        assert!(slots.take().is_some());
    }

    #[test]
    fn no_cap_never_runs_out() {
        let slots = SocketSlots::new(0);
        let held: Vec<_> = (0..10_000).filter_map(|_| slots.take()).collect();
        assert_eq!(held.len(), 10_000);
    }
}
