//! Security events: per client, a log in recording order, each event numbered; the
//! number is the listing's cursor, since the log is read newest first.

use chrono::Utc;

use super::{paginate, State};
use crate::domain::{
    ids::ClientId,
    page::{Page, PageRequest},
    security_event::{EventFilter, SecurityEvent, RETENTION},
};

impl State {
    pub(super) fn record_event(&mut self, event: &SecurityEvent) {
        let number = self.next_event;
        self.next_event += 1;
        let horizon = event.at - RETENTION;
        let log = self.events.entry(event.client_id).or_default();
        while log.front().is_some_and(|(_, old)| old.at < horizon) {
            log.pop_front();
        }
        log.push_back((number, event.clone()));
    }

    pub(super) fn list_events(
        &self,
        client: ClientId,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Page<SecurityEvent> {
        let before: u64 = match &page.cursor {
            Some(cursor) => cursor.parse().unwrap_or(0),
            None => u64::MAX,
        };
        let horizon = Utc::now() - RETENTION;
        let log = self.events.get(&client).into_iter().flatten().rev();
        let events = log.filter(|(n, e)| *n < before && e.at >= horizon && filter.matches(e));
        let page = paginate(events, page.limit, |(number, _)| number.to_string());
        page.map(|(_, event)| event.clone())
    }
}
