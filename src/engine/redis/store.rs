//! `impl Store`: each method hands off to its section's function. Read this file as
//! the table of contents; the work is in the section files.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::future::try_join_all;

use super::{
    analytics, clients, events, members, messages, notifications, purge, rooms, timed, users,
    webhooks, RedisEngine,
};
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
        webhook::{Claimed, Delivery, Settle, Webhook},
    },
    engine::{AddMember, EngineError, Limiter, Rotation, RotationRecord, Store, Update},
};

#[async_trait]
impl Store for RedisEngine {
    /// Pings every connection, not the next in turn: once this answers, the next
    /// request finds its connection back, whichever it takes (each reconnects on its
    /// own after an outage).
    async fn ping(&self) -> Result<(), EngineError> {
        let pings = self.connections.iter().cloned().map(|mut conn| async move {
            timed("ping", redis::cmd("PING").query_async::<String>(&mut conn)).await
        });
        try_join_all(pings).await.map(drop)
    }

    // --- clients -------------------------------------------------------------

    async fn create_client(
        &self,
        client: &Client,
        master_key: &KeyRecord,
    ) -> Result<(), EngineError> {
        clients::create_client(self, client, master_key).await
    }

    async fn get_client(&self, id: ClientId) -> Result<Option<Client>, EngineError> {
        clients::get_client(self, id).await
    }

    async fn update_client(&self, client: &Client) -> Result<(), EngineError> {
        clients::update_client(self, client).await
    }

    // --- keys ----------------------------------------------------------------

    async fn find_key(&self, digest: &KeyDigest) -> Result<Option<KeyRecord>, EngineError> {
        clients::find_key(self, digest).await
    }

    async fn find_keys(
        &self,
        digests: &[KeyDigest],
    ) -> Result<Vec<Option<KeyRecord>>, EngineError> {
        clients::find_keys(self, digests).await
    }

    async fn rotate_key(
        &self,
        new_key: &KeyRecord,
        revoked_at: DateTime<Utc>,
        record: RotationRecord<'_>,
    ) -> Result<Rotation, EngineError> {
        clients::rotate_key(self, new_key, revoked_at, record).await
    }

    async fn revoke_user_key(
        &self,
        user: UserId,
        only: Option<&KeyDigest>,
        revoked_at: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        clients::revoke_user_key(self, user, only, revoked_at).await
    }

    // --- users ---------------------------------------------------------------

    async fn create_user(&self, user: &User, key: &KeyRecord) -> Result<(), EngineError> {
        users::create_user(self, user, key).await
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>, EngineError> {
        users::get_user(self, id).await
    }

    async fn find_user_by_email(
        &self,
        client: ClientId,
        email_key: &str,
        rate: Option<&RateCheck>,
    ) -> Result<(Option<User>, Option<RateStatus>), EngineError> {
        users::find_user_by_email(self, client, email_key, rate).await
    }

    async fn list_users(
        &self,
        client: ClientId,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, EngineError> {
        users::list_users(self, client, filter, page).await
    }

    async fn update_user(
        &self,
        before: &User,
        after: &User,
        revoked_at: DateTime<Utc>,
    ) -> Result<Update, EngineError> {
        users::update_user(self, before, after, revoked_at).await
    }

    async fn delete_user(
        &self,
        user: &User,
        revoked_at: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        users::delete_user(self, user, revoked_at).await
    }

    // --- rooms ---------------------------------------------------------------

    async fn create_room(&self, room: &Room, members: &[Membership]) -> Result<(), EngineError> {
        rooms::create_room(self, room, members).await
    }

    async fn create_direct_room(
        &self,
        room: &Room,
        pair: &[Membership; 2],
    ) -> Result<RoomId, EngineError> {
        rooms::create_direct_room(self, room, pair).await
    }

    async fn get_room(&self, id: RoomId) -> Result<Option<(Room, RoomStats)>, EngineError> {
        rooms::get_room(self, id).await
    }

    async fn get_room_with_member(
        &self,
        room: RoomId,
        user: Option<UserId>,
    ) -> Result<Option<(Room, RoomStats, Option<Member>)>, EngineError> {
        rooms::get_room_with_member(self, room, user).await
    }

    async fn list_rooms(
        &self,
        client: ClientId,
        page: &PageRequest,
    ) -> Result<Page<(Room, RoomStats)>, EngineError> {
        rooms::list_rooms(self, client, page).await
    }

    async fn update_room(&self, room: &Room) -> Result<(), EngineError> {
        rooms::update_room(self, room).await
    }

    async fn delete_room(&self, room: &Room) -> Result<Vec<UserId>, EngineError> {
        rooms::delete_room(self, room).await
    }

    async fn resume_deletions(&self) -> Result<usize, EngineError> {
        purge::resume(self).await
    }

    // --- members -------------------------------------------------------------

    async fn add_member(
        &self,
        membership: &Membership,
        max_members: u32,
    ) -> Result<AddMember, EngineError> {
        members::add_member(self, membership, max_members).await
    }

    async fn remove_member(&self, room: RoomId, user: UserId) -> Result<bool, EngineError> {
        members::remove_member(self, room, user).await
    }

    async fn get_member(&self, room: RoomId, user: UserId) -> Result<Option<Member>, EngineError> {
        members::get_member(self, room, user).await
    }

    async fn list_members(
        &self,
        room: RoomId,
        page: &PageRequest,
    ) -> Result<Page<Member>, EngineError> {
        members::list_members(self, room, page).await
    }

    async fn list_user_rooms(
        &self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Page<(Room, RoomStats, Member)>, EngineError> {
        members::list_user_rooms(self, user, page).await
    }

    async fn mark_read(
        &self,
        room: RoomId,
        user: UserId,
        seq: u64,
    ) -> Result<Option<u64>, EngineError> {
        members::mark_read(self, room, user, seq).await
    }

    // --- messages ------------------------------------------------------------

    async fn append_messages(
        &self,
        batch: &[(&Message, Option<&RateCheck>)],
    ) -> Result<Vec<(Appended, Option<RateStatus>)>, EngineError> {
        messages::append_messages(self, batch).await
    }

    async fn get_message(&self, id: MessageId) -> Result<Option<Message>, EngineError> {
        messages::get_message(self, id).await
    }

    async fn list_messages(
        &self,
        room: RoomId,
        range: HistoryRange,
        limit: usize,
    ) -> Result<Vec<Message>, EngineError> {
        messages::list_messages(self, room, range, limit).await
    }

    async fn update_message(
        &self,
        before: &Message,
        after: &Message,
    ) -> Result<Update, EngineError> {
        messages::update_message(self, before, after).await
    }

    // --- notifications -------------------------------------------------------

    async fn create_notification(
        &self,
        notification: &Notification,
        recipients: &[UserId],
    ) -> Result<(), EngineError> {
        notifications::create_notification(self, notification, recipients).await
    }

    async fn list_inbox(
        &self,
        user: UserId,
        filter: InboxFilter,
        page: &PageRequest,
    ) -> Result<Page<InboxEntry>, EngineError> {
        notifications::list_inbox(self, user, filter, page).await
    }

    async fn mark_notification_read(
        &self,
        user: UserId,
        id: NotificationId,
        at: DateTime<Utc>,
    ) -> Result<Option<InboxEntry>, EngineError> {
        notifications::mark_notification_read(self, user, id, at).await
    }

    // --- webhooks ------------------------------------------------------------

    async fn create_webhook(&self, webhook: &Webhook) -> Result<(), EngineError> {
        webhooks::create_webhook(self, webhook).await
    }

    async fn get_webhook(&self, id: WebhookId) -> Result<Option<Webhook>, EngineError> {
        webhooks::get_webhook(self, id).await
    }

    async fn list_webhooks(
        &self,
        client: ClientId,
        page: &PageRequest,
    ) -> Result<Page<Webhook>, EngineError> {
        webhooks::list_webhooks(self, client, page).await
    }

    async fn update_webhook(&self, webhook: &Webhook) -> Result<(), EngineError> {
        webhooks::update_webhook(self, webhook).await
    }

    async fn delete_webhook(&self, webhook: &Webhook) -> Result<bool, EngineError> {
        webhooks::delete_webhook(self, webhook).await
    }

    async fn enqueue_event(
        &self,
        client: ClientId,
        event: &str,
        body: &str,
    ) -> Result<(), EngineError> {
        webhooks::enqueue_event(self, client, event, body).await
    }

    async fn requeue_entry(&self, webhook: WebhookId, entry: &str) -> Result<(), EngineError> {
        webhooks::requeue_entry(self, webhook, entry).await
    }

    async fn pending_webhooks(&self) -> Result<Vec<WebhookId>, EngineError> {
        webhooks::pending_webhooks(self).await
    }

    async fn claim_outbox(
        &self,
        webhook: WebhookId,
        node: &str,
        lease: std::time::Duration,
    ) -> Result<Option<Claimed>, EngineError> {
        webhooks::claim_outbox(self, webhook, node, lease).await
    }

    async fn settle_outbox(
        &self,
        webhook: WebhookId,
        node: &str,
        delivery: &Delivery,
        settle: Settle,
    ) -> Result<bool, EngineError> {
        webhooks::settle_outbox(self, webhook, node, delivery, settle).await
    }

    async fn list_deliveries(
        &self,
        webhook: WebhookId,
        page: &PageRequest,
    ) -> Result<Page<Delivery>, EngineError> {
        webhooks::list_deliveries(self, webhook, page).await
    }

    async fn get_delivery(
        &self,
        webhook: WebhookId,
        id: &str,
    ) -> Result<Option<Delivery>, EngineError> {
        webhooks::get_delivery(self, webhook, id).await
    }

    // --- analytics -----------------------------------------------------------

    async fn count(
        &self,
        client: ClientId,
        counter: Counter,
        at: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        analytics::count(self, client, counter, at).await
    }

    async fn record_load(
        &self,
        node: &str,
        at: DateTime<Utc>,
        interval: std::time::Duration,
        fresh: std::time::Duration,
        loads: &[ClientLoad],
    ) -> Result<(), EngineError> {
        analytics::record_load(self, node, at, interval, fresh, loads).await
    }

    async fn usage(
        &self,
        client: ClientId,
        from: i64,
        to: i64,
    ) -> Result<Vec<HourUsage>, EngineError> {
        analytics::usage(self, client, from, to).await
    }

    async fn live_load(&self, client: ClientId) -> Result<Vec<NodeLoad>, EngineError> {
        analytics::live_load(self, client).await
    }

    // --- security events -----------------------------------------------------

    async fn record_event(&self, event: &SecurityEvent) -> Result<(), EngineError> {
        events::record_event(self, event).await
    }

    async fn list_events(
        &self,
        client: ClientId,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Result<Page<SecurityEvent>, EngineError> {
        events::list_events(self, client, filter, page).await
    }
}

#[async_trait]
impl Limiter for RedisEngine {
    async fn take(&self, check: &RateCheck) -> Result<RateStatus, EngineError> {
        messages::take(self, check).await
    }
}
