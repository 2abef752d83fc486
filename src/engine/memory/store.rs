//! `impl Store`: each method takes the lock once and hands the state to its section's
//! method, so every call is one critical section. Read this file as the table of
//! contents; the work is in the section files.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::MemoryEngine;
use crate::{
    domain::{
        analytics::{ClientLoad, Counter, HourUsage, NodeLoad},
        client::Client,
        ids::{ClientId, MessageId, NotificationId, RoomId, UserId, WebhookId},
        keys::{KeyDigest, KeyRecord},
        message::{Appended, HistoryRange, Message},
        notification::{InboxEntry, InboxFilter, Notification},
        page::{Page, PageRequest},
        rate::{RateCheck, RateStatus},
        room::{Member, Membership, Room, RoomStats},
        security_event::{EventFilter, SecurityEvent},
        user::{User, UserFilter},
        webhook::{Claimed, Delivery, OutboxEntry, Settle, Webhook},
    },
    engine::{AddMember, EngineError, Limiter, Rotation, RotationRecord, Store, Topic, Update},
};

#[async_trait]
impl Store for MemoryEngine {
    async fn ping(&self) -> Result<(), EngineError> {
        self.state().map(drop)
    }

    // --- clients -------------------------------------------------------------

    async fn create_client(
        &self,
        client: &Client,
        master_key: &KeyRecord,
    ) -> Result<(), EngineError> {
        self.state()?.create_client(client, master_key);
        Ok(())
    }

    async fn get_client(&self, id: ClientId) -> Result<Option<Client>, EngineError> {
        Ok(self.state()?.get_client(id))
    }

    async fn update_client(&self, client: &Client) -> Result<(), EngineError> {
        self.state()?.update_client(client);
        Ok(())
    }

    // --- keys ----------------------------------------------------------------

    async fn find_key(&self, digest: &KeyDigest) -> Result<Option<KeyRecord>, EngineError> {
        Ok(self.state()?.find_key(digest))
    }

    async fn find_keys(
        &self,
        digests: &[KeyDigest],
    ) -> Result<Vec<Option<KeyRecord>>, EngineError> {
        let state = self.state()?;
        Ok(digests
            .iter()
            .map(|digest| state.find_key(digest))
            .collect())
    }

    async fn rotate_key(
        &self,
        new_key: &KeyRecord,
        revoked_at: DateTime<Utc>,
        record: RotationRecord<'_>,
    ) -> Result<Rotation, EngineError> {
        let mut state = self.state()?;
        let rotation = state.rotate_key(new_key, revoked_at);
        if rotation == Rotation::Rotated {
            state.record_event(record.event);
            if let Some((event, body)) = record.webhook {
                let entry = OutboxEntry::Event(body.to_owned());
                state.enqueue(record.event.client_id, event, &entry);
            }
            state
                .broker
                .deliver(Topic::Control, record.notice.to_owned());
        }
        Ok(rotation)
    }

    async fn revoke_user_key(
        &self,
        user: UserId,
        only: Option<&KeyDigest>,
        revoked_at: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        Ok(self.state()?.revoke_user_key(user, only, revoked_at))
    }

    // --- users ---------------------------------------------------------------

    async fn create_user(&self, user: &User, key: &KeyRecord) -> Result<(), EngineError> {
        self.state()?.create_user(user, key)
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>, EngineError> {
        Ok(self.state()?.get_user(id))
    }

    async fn find_user_by_email(
        &self,
        client: ClientId,
        email_key: &str,
        rate: Option<&RateCheck>,
    ) -> Result<(Option<User>, Option<RateStatus>), EngineError> {
        let mut state = self.state()?;
        let status = rate.map(|check| state.take(check));
        if status.is_some_and(|status| !status.allowed) {
            return Ok((None, status));
        }
        Ok((state.find_user_by_email(client, email_key), status))
    }

    async fn list_users(
        &self,
        client: ClientId,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, EngineError> {
        Ok(self.state()?.list_users(client, filter, page))
    }

    async fn update_user(
        &self,
        before: &User,
        after: &User,
        revoked_at: DateTime<Utc>,
    ) -> Result<Update, EngineError> {
        self.state()?.update_user(before, after, revoked_at)
    }

    async fn delete_user(
        &self,
        user: &User,
        revoked_at: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        Ok(self.state()?.delete_user(user, revoked_at))
    }

    // --- rooms ---------------------------------------------------------------

    async fn create_room(&self, room: &Room, members: &[Membership]) -> Result<(), EngineError> {
        self.state()?.create_room(room, members);
        Ok(())
    }

    async fn create_direct_room(
        &self,
        room: &Room,
        pair: &[Membership; 2],
    ) -> Result<RoomId, EngineError> {
        Ok(self.state()?.create_direct_room(room, pair))
    }

    async fn get_room(&self, id: RoomId) -> Result<Option<(Room, RoomStats)>, EngineError> {
        Ok(self.state()?.get_room(id))
    }

    async fn get_room_with_member(
        &self,
        room: RoomId,
        user: Option<UserId>,
    ) -> Result<Option<(Room, RoomStats, Option<Member>)>, EngineError> {
        Ok(self.state()?.get_room_with_member(room, user))
    }

    async fn list_rooms(
        &self,
        client: ClientId,
        page: &PageRequest,
    ) -> Result<Page<(Room, RoomStats)>, EngineError> {
        Ok(self.state()?.list_rooms(client, page))
    }

    async fn update_room(&self, room: &Room) -> Result<(), EngineError> {
        self.state()?.update_room(room);
        Ok(())
    }

    async fn delete_room(&self, room: &Room) -> Result<Vec<UserId>, EngineError> {
        Ok(self.state()?.delete_room(room))
    }

    async fn resume_deletions(&self) -> Result<usize, EngineError> {
        Ok(0)
    }

    // --- members -------------------------------------------------------------

    async fn add_member(
        &self,
        membership: &Membership,
        max_members: u32,
    ) -> Result<AddMember, EngineError> {
        Ok(self.state()?.add_member(membership, max_members))
    }

    async fn remove_member(&self, room: RoomId, user: UserId) -> Result<bool, EngineError> {
        Ok(self.state()?.remove_member(room, user))
    }

    async fn get_member(&self, room: RoomId, user: UserId) -> Result<Option<Member>, EngineError> {
        Ok(self.state()?.get_member(room, user))
    }

    async fn list_members(
        &self,
        room: RoomId,
        page: &PageRequest,
    ) -> Result<Page<Member>, EngineError> {
        Ok(self.state()?.list_members(room, page))
    }

    async fn list_user_rooms(
        &self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Page<(Room, RoomStats, Member)>, EngineError> {
        Ok(self.state()?.list_user_rooms(user, page))
    }

    async fn mark_read(
        &self,
        room: RoomId,
        user: UserId,
        seq: u64,
    ) -> Result<Option<u64>, EngineError> {
        Ok(self.state()?.mark_read(room, user, seq))
    }

    // --- messages ------------------------------------------------------------

    async fn append_messages(
        &self,
        batch: &[(&Message, Option<&RateCheck>)],
    ) -> Result<Vec<(Appended, Option<RateStatus>)>, EngineError> {
        let mut state = self.state()?;
        Ok(batch
            .iter()
            .map(|(message, rate)| state.append_message(message, *rate))
            .collect())
    }

    async fn get_message(&self, id: MessageId) -> Result<Option<Message>, EngineError> {
        Ok(self.state()?.get_message(id))
    }

    async fn list_messages(
        &self,
        room: RoomId,
        range: HistoryRange,
        limit: usize,
    ) -> Result<Vec<Message>, EngineError> {
        Ok(self.state()?.list_messages(room, range, limit))
    }

    async fn update_message(
        &self,
        before: &Message,
        after: &Message,
    ) -> Result<Update, EngineError> {
        Ok(self.state()?.update_message(before, after))
    }

    // --- notifications -------------------------------------------------------

    async fn create_notification(
        &self,
        notification: &Notification,
        recipients: &[UserId],
    ) -> Result<(), EngineError> {
        self.state()?.create_notification(notification, recipients);
        Ok(())
    }

    async fn list_inbox(
        &self,
        user: UserId,
        filter: InboxFilter,
        page: &PageRequest,
    ) -> Result<Page<InboxEntry>, EngineError> {
        Ok(self.state()?.list_inbox(user, filter, page))
    }

    async fn mark_notification_read(
        &self,
        user: UserId,
        id: NotificationId,
        at: DateTime<Utc>,
    ) -> Result<Option<InboxEntry>, EngineError> {
        Ok(self.state()?.mark_notification_read(user, id, at))
    }

    // --- webhooks ------------------------------------------------------------

    async fn create_webhook(&self, webhook: &Webhook) -> Result<(), EngineError> {
        self.state()?.create_webhook(webhook);
        Ok(())
    }

    async fn get_webhook(&self, id: WebhookId) -> Result<Option<Webhook>, EngineError> {
        Ok(self.state()?.get_webhook(id))
    }

    async fn list_webhooks(
        &self,
        client: ClientId,
        page: &PageRequest,
    ) -> Result<Page<Webhook>, EngineError> {
        Ok(self.state()?.list_webhooks(client, page))
    }

    async fn update_webhook(&self, webhook: &Webhook) -> Result<(), EngineError> {
        self.state()?.update_webhook(webhook);
        Ok(())
    }

    async fn delete_webhook(&self, webhook: &Webhook) -> Result<bool, EngineError> {
        Ok(self.state()?.delete_webhook(webhook))
    }

    async fn enqueue_event(
        &self,
        client: ClientId,
        event: &str,
        body: &str,
    ) -> Result<(), EngineError> {
        let entry = OutboxEntry::Event(body.to_owned());
        self.state()?.enqueue(client, event, &entry);
        Ok(())
    }

    async fn requeue_entry(&self, webhook: WebhookId, entry: &str) -> Result<(), EngineError> {
        self.state()?.requeue_entry(webhook, entry);
        Ok(())
    }

    async fn pending_webhooks(&self) -> Result<Vec<WebhookId>, EngineError> {
        Ok(self.state()?.pending_webhooks())
    }

    async fn claim_outbox(
        &self,
        webhook: WebhookId,
        node: &str,
        lease: std::time::Duration,
    ) -> Result<Option<Claimed>, EngineError> {
        Ok(self.state()?.claim_outbox(webhook, node, lease))
    }

    async fn settle_outbox(
        &self,
        webhook: WebhookId,
        node: &str,
        delivery: &Delivery,
        settle: Settle,
    ) -> Result<bool, EngineError> {
        Ok(self.state()?.settle_outbox(webhook, node, delivery, settle))
    }

    async fn list_deliveries(
        &self,
        webhook: WebhookId,
        page: &PageRequest,
    ) -> Result<Page<Delivery>, EngineError> {
        Ok(self.state()?.list_deliveries(webhook, page))
    }

    async fn get_delivery(
        &self,
        webhook: WebhookId,
        id: &str,
    ) -> Result<Option<Delivery>, EngineError> {
        Ok(self.state()?.get_delivery(webhook, id))
    }

    // --- analytics -----------------------------------------------------------

    async fn count(
        &self,
        client: ClientId,
        counter: Counter,
        at: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        self.state()?.count(client, counter, at);
        Ok(())
    }

    async fn record_load(
        &self,
        node: &str,
        at: DateTime<Utc>,
        interval: std::time::Duration,
        fresh: std::time::Duration,
        loads: &[ClientLoad],
    ) -> Result<(), EngineError> {
        self.state()?.record_load(node, at, interval, fresh, loads);
        Ok(())
    }

    async fn usage(
        &self,
        client: ClientId,
        from: i64,
        to: i64,
    ) -> Result<Vec<HourUsage>, EngineError> {
        Ok(self.state()?.usage(client, from, to))
    }

    async fn live_load(&self, client: ClientId) -> Result<Vec<NodeLoad>, EngineError> {
        Ok(self.state()?.live_load(client))
    }

    // --- security events -----------------------------------------------------

    async fn record_event(&self, event: &SecurityEvent) -> Result<(), EngineError> {
        self.state()?.record_event(event);
        Ok(())
    }

    async fn list_events(
        &self,
        client: ClientId,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Result<Page<SecurityEvent>, EngineError> {
        Ok(self.state()?.list_events(client, filter, page))
    }
}

#[async_trait]
impl Limiter for MemoryEngine {
    async fn take(&self, check: &RateCheck) -> Result<RateStatus, EngineError> {
        Ok(self.state()?.take(check))
    }
}
