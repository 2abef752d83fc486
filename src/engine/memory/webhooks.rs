//! Webhooks in memory: each with its outbox (a queue of encoded entries), the state
//! of its head (attempts, when due), its lease, and its log of attempts.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::State;
use crate::{
    domain::{
        cursor::event_id,
        ids::{ClientId, WebhookId},
        page::{Page, PageRequest},
        webhook::{Claimed, Delivery, OutboxEntry, Settle, Webhook},
    },
    engine::rules::paging::paginate,
};

/// Attempts kept in a webhook's log.
pub(super) const DELIVERY_LOG: usize = 1000;

pub(super) struct WebhookState {
    webhook: Webhook,
    outbox: VecDeque<String>,
    /// Attempts the head has had, and when it is due again.
    attempts: u32,
    due_at: Option<DateTime<Utc>>,
    /// Which node works the outbox, until when.
    lease: Option<(String, DateTime<Utc>)>,
    /// Numbered attempts, oldest first; the number is the cursor and the id.
    deliveries: VecDeque<(u64, Delivery)>,
}

impl State {
    pub(super) fn create_webhook(&mut self, webhook: &Webhook) {
        self.webhook_order
            .insert((webhook.client_id, webhook.order_key()), webhook.id);
        self.webhooks.insert(
            webhook.id,
            WebhookState {
                webhook: webhook.clone(),
                outbox: VecDeque::new(),
                attempts: 0,
                due_at: None,
                lease: None,
                deliveries: VecDeque::new(),
            },
        );
    }

    pub(super) fn get_webhook(&self, id: WebhookId) -> Option<Webhook> {
        self.webhooks.get(&id).map(|state| state.webhook.clone())
    }

    pub(super) fn list_webhooks(&self, client: ClientId, page: &PageRequest) -> Page<Webhook> {
        let hooks = super::after_cursor(&self.webhook_order, client, page)
            .filter_map(|id| self.get_webhook(*id));
        paginate(hooks, page.limit, Webhook::order_key)
    }

    pub(super) fn update_webhook(&mut self, webhook: &Webhook) {
        if let Some(state) = self.webhooks.get_mut(&webhook.id) {
            state.webhook = webhook.clone();
        }
    }

    pub(super) fn delete_webhook(&mut self, webhook: &Webhook) -> bool {
        self.webhook_order
            .remove(&(webhook.client_id, webhook.order_key()));
        self.webhooks.remove(&webhook.id).is_some()
    }

    /// Used by the append for `message.created`, and by [`State::enqueue_event`].
    pub(super) fn enqueue(&mut self, client: ClientId, event: &str, entry: &OutboxEntry) {
        let encoded = entry.encode();
        for state in self.webhooks.values_mut() {
            let hook = &state.webhook;
            if hook.client_id == client && hook.is_active && hook.events.matches(event) {
                state.outbox.push_back(encoded.clone());
            }
        }
    }

    pub(super) fn requeue_entry(&mut self, webhook: WebhookId, entry: &str) {
        if let Some(state) = self.webhooks.get_mut(&webhook) {
            state.outbox.push_back(entry.to_owned());
        }
    }

    pub(super) fn pending_webhooks(&self) -> Vec<WebhookId> {
        self.webhooks
            .iter()
            .filter(|(_, state)| !state.outbox.is_empty())
            .map(|(id, _)| *id)
            .collect()
    }

    pub(super) fn claim_outbox(
        &mut self,
        webhook: WebhookId,
        node: &str,
        lease: std::time::Duration,
    ) -> Option<Claimed> {
        let now = Utc::now();
        let state = self.webhooks.get_mut(&webhook)?;
        let head = state.outbox.front()?;
        if state.due_at.is_some_and(|due| due > now) {
            return None;
        }
        if state.lease.as_ref().is_some_and(|(_, until)| *until > now) {
            return None;
        }
        let entry = OutboxEntry::decode(head)?;
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
        state.lease = Some((node.to_owned(), until));
        Some(Claimed {
            entry,
            attempts: state.attempts,
            due_at: state.due_at.unwrap_or(now),
        })
    }

    pub(super) fn settle_outbox(
        &mut self,
        webhook: WebhookId,
        node: &str,
        delivery: &Delivery,
        settle: Settle,
    ) -> bool {
        let number = self.next_delivery;
        let Some(state) = self.webhooks.get_mut(&webhook) else {
            return false;
        };
        let now = Utc::now();
        let holds = state
            .lease
            .as_ref()
            .is_some_and(|(owner, until)| owner == node && *until > now);
        if !holds {
            return false;
        }
        self.next_delivery += 1;
        let logged = Delivery {
            id: delivery_id(number),
            ..delivery.clone()
        };
        state.deliveries.push_back((number, logged));
        while state.deliveries.len() > DELIVERY_LOG {
            state.deliveries.pop_front();
        }
        match settle {
            Settle::Done => {
                state.outbox.pop_front();
                state.attempts = 0;
                state.due_at = None;
            }
            Settle::RetryAt(at) => {
                state.attempts = delivery.attempt;
                state.due_at = Some(at);
            }
        }
        state.lease = None;
        true
    }

    pub(super) fn list_deliveries(&self, webhook: WebhookId, page: &PageRequest) -> Page<Delivery> {
        // The edge redeemed the cursor, so it has the shape of an id this log gave.
        let before: u64 = match page.cursor.as_deref().and_then(event_id) {
            Some((_, number)) => number,
            None => u64::MAX,
        };
        let log = self
            .webhooks
            .get(&webhook)
            .map(|state| &state.deliveries)
            .into_iter()
            .flatten()
            .rev()
            .filter(|(n, _)| *n < before);
        paginate(log, page.limit, |(n, _)| delivery_id(*n)).map(|(_, d)| d.clone())
    }

    pub(super) fn get_delivery(&self, webhook: WebhookId, id: &str) -> Option<Delivery> {
        let state = self.webhooks.get(&webhook)?;
        state
            .deliveries
            .iter()
            .find(|(n, _)| delivery_id(*n) == id)
            .map(|(_, d)| d.clone())
    }
}

/// A delivery's id: its number written as a Redis stream id (`0-{n}`), so both
/// engines' delivery ids and cursors have one shape.
fn delivery_id(number: u64) -> String {
    format!("0-{number}")
}
