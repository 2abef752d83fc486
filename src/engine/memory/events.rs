//! Security events: per client, a log in recording order, each event numbered; the
//! number, written `0-{n}` (the shape of a Redis stream id, so both back ends' event
//! cursors have one shape: `domain::cursor::event_id`), is the listing's cursor, since
//! the log is read newest first.

use chrono::Utc;

use super::State;
use crate::{
    domain::{
        cursor::event_id,
        ids::ClientId,
        page::{Page, PageRequest},
        security_event::{EventFilter, SecurityEvent},
    },
    engine::rules::{
        paging::paginate,
        retention::{event_horizon, event_kept},
    },
};

impl State {
    pub(super) fn record_event(&mut self, event: &SecurityEvent) {
        let number = self.next_event;
        self.next_event += 1;
        let horizon = event_horizon(event.at);
        let log = self.events.entry(event.client_id).or_default();
        while log
            .front()
            .is_some_and(|(_, old)| !event_kept(old, horizon))
        {
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
        // An event id resumes below its number; anything else (the edge lets none
        // through) names no event.
        let before = match page.cursor.as_deref().map(event_id) {
            Some(Some((_, number))) => number,
            Some(None) => 0,
            None => u64::MAX,
        };
        let horizon = event_horizon(Utc::now());
        let log = self.events.get(&client).into_iter().flatten().rev();
        let events =
            log.filter(|(n, e)| *n < before && event_kept(e, horizon) && filter.matches(e));
        let page = paginate(events, page.limit, |(number, _)| format!("0-{number}"));
        page.map(|(_, event)| event.clone())
    }
}
