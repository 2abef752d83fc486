//! Which shards a look for pending webhook outboxes reads. The pending outboxes are
//! listed per shard (`keys.rs`), and the delivery worker looks every 100 ms, so
//! reading every shard with a webhook each time would cost one command per such
//! tenant per look. A look reads instead the shards this node queued events into
//! since the last one, and those whose outboxes still had work; every
//! [`FULL_SCAN_EVERY`]th look, the first included, reads them all, which finds the
//! events other nodes queued and did not deliver (a node stopped midway).

use std::{collections::HashSet, sync::Mutex};

use crate::domain::ids::Shard;

/// One look in this many reads every shard with a webhook: once a second.
const FULL_SCAN_EVERY: u64 = 10;

#[derive(Debug, Default)]
pub(super) struct PendingScan {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Shards this node queued events into since the last look began.
    queued: HashSet<Shard>,
    /// Shards whose outboxes had work at the last look.
    busy: HashSet<Shard>,
    looks: u64,
}

/// What one look reads.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Scan {
    All,
    Only(Vec<Shard>),
}

impl PendingScan {
    /// This node queued events into outboxes of these shards (or may have).
    pub(super) fn queued(&self, shards: impl IntoIterator<Item = Shard>) {
        if let Ok(mut state) = self.state.lock() {
            state.queued.extend(shards);
        }
    }

    /// What the next look reads. Marks made after this count for the look after.
    pub(super) fn next(&self) -> Scan {
        let Ok(mut state) = self.state.lock() else {
            return Scan::All;
        };
        let look = state.looks;
        state.looks += 1;
        let queued = std::mem::take(&mut state.queued);
        if look % FULL_SCAN_EVERY == 0 {
            return Scan::All;
        }
        let mut shards: Vec<Shard> = queued.union(&state.busy).copied().collect();
        shards.sort_unstable();
        Scan::Only(shards)
    }

    /// The shards a look found work in; the next look reads them again.
    pub(super) fn found(&self, busy: HashSet<Shard>) {
        if let Ok(mut state) = self.state.lock() {
            state.busy = busy;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(text: &str) -> Shard {
        Shard::parse(text).unwrap()
    }

    #[test]
    fn a_look_reads_what_was_queued_and_what_was_busy_and_every_tenth_reads_all() {
        let scan = PendingScan::default();
        assert_eq!(scan.next(), Scan::All, "the first look reads every shard");
        assert_eq!(scan.next(), Scan::Only(Vec::new()));
        scan.queued([shard("00aa")]);
        scan.found(HashSet::from([shard("00bb")]));
        assert_eq!(scan.next(), Scan::Only(vec![shard("00aa"), shard("00bb")]));
        scan.found(HashSet::new());
        assert_eq!(
            scan.next(),
            Scan::Only(Vec::new()),
            "nothing queued, nothing busy"
        );
        for _ in 4..FULL_SCAN_EVERY {
            assert_ne!(scan.next(), Scan::All);
        }
        scan.queued([shard("00cc")]);
        assert_eq!(scan.next(), Scan::All);
        assert_eq!(
            scan.next(),
            Scan::Only(Vec::new()),
            "the full look took the mark"
        );
    }
}
