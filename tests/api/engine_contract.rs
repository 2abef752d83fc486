//! The engine seam itself: the invariants of `engine/mod.rs`, checked on both back ends
//! through `Arc<dyn Engine>` with no HTTP in between. Every method of `Store`, `Broker`
//! and `Presence` is exercised here; every wait has a deadline.

use std::{sync::Arc, time::Instant};

use chatapi::{
    core::auth::keys::issue,
    domain::{
        analytics::{hour_of, ClientLoad, Counter},
        client::Client,
        ids::{ClientId, MessageId, NotificationId, RoomId, SessionId, Shard, UserId, WebhookId},
        keys::{KeyOwner, KeyRecord},
        message::{Appended, HistoryRange, Message},
        notification::{InboxFilter, Notification, Priority},
        page::PageRequest,
        rate::{Limit, RateCheck},
        room::{Membership, Role, Room, RoomType},
        security_event::{EventFilter, SecurityEvent, SecurityEventKind, RETENTION},
        user::{Email, User, UserFilter, Username},
        webhook::{Delivery, DeliveryStatus, OutboxEntry, Settle, Webhook, WebhookEvents},
    },
    engine::{
        memory::MemoryEngine, redis::RedisEngine, AddMember, EngineError, Inbound, Rotation,
        RotationRecord, SharedEngine, Topic, Update,
    },
};
use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;
use serde_json::json;

use tokio::{sync::mpsc, time::timeout};

use crate::helpers::{EngineKind, RedisServer, CLUSTER_REDIS, DEADLINE};

every_deployment!(
    rotation_leaves_one_live_key_and_tombstones_the_rest,
    rotation_refuses_missing_and_disabled_owners,
    rotation_records_its_event_and_webhook_event_only_when_it_rotates,
    update_user_is_compare_and_set,
    revoke_user_key_revokes_only_the_named_key,
    append_message_numbers_concurrent_appends_without_gaps,
    append_message_with_a_seen_client_msg_id_returns_the_original,
    add_member_reports_added_already_member_full_and_room_gone,
    mark_read_only_moves_forward_and_leaving_forgets_it,
    list_messages_reads_before_and_after_ranges_in_order,
    update_message_is_compare_and_set_and_keeps_metadata_exact,
    create_direct_room_makes_one_room_per_pair,
    delete_room_clears_members_user_rooms_and_messages,
    delete_user_removes_its_memberships,
    list_members_pages_in_joining_order_with_a_cursor,
    list_rooms_and_user_rooms_page_with_cursors,
    presence_counts_users_across_nodes_until_their_entries_lapse,
    ping_answers_and_clients_are_created_read_and_updated,
    create_user_refuses_a_taken_email_or_username_whatever_the_case,
    find_user_by_email_finds_by_the_lower_cased_key_within_one_client,
    find_user_by_email_draws_its_bucket_first_and_reads_nothing_when_refused,
    list_users_pages_in_creation_order_and_filters_by_prefix,
    update_user_renames_refuses_a_taken_username_and_deactivation_revokes_the_key,
    delete_user_frees_its_email_revokes_its_key_and_reports_a_second_delete,
    get_room_with_member_reads_a_room_and_one_membership_together,
    append_messages_commits_a_batch_in_order_with_each_outcome_its_own,
    update_room_overwrites_a_stored_room_and_leaves_a_deleted_one_deleted,
    remove_member_updates_the_count_the_listings_and_the_read_position,
    append_message_to_a_missing_room_reports_room_gone,
    append_message_stores_a_members_message_and_in_a_channel_only_a_managers,
    get_message_of_an_unknown_id_is_none,
    list_events_pages_newest_first_with_filters_within_retention,
    presence_refresh_extends_entries_and_each_node_clears_only_its_own,
    broker_delivers_control_always_and_a_room_only_while_subscribed,
    broker_subscriptions_are_a_set_not_a_count,
    broker_ignores_subscriptions_made_before_it_starts,
    append_message_announces_its_seq_on_the_room_channel,
    notifications_fill_every_inbox_newest_first_and_mark_read_once,
    connections_count_users_until_they_close_lapse_or_their_node_clears,
    usage_counts_appends_creations_and_node_reports_per_client_and_hour,
    outboxes_take_matching_events_in_order_and_the_append_queues_new_messages,
    an_outbox_lease_admits_one_node_and_a_dead_nodes_lease_lapses,
);

/// The memory engine; Redis, on a server of the test's own; or Redis in cluster mode,
/// on the binary's shared one, which refuses any call that touches two slots.
async fn engine(kind: EngineKind) -> (SharedEngine, Option<RedisServer>) {
    let prefix = format!("contract:{}:", uuid::Uuid::new_v4());
    match kind {
        EngineKind::Memory => (Arc::new(MemoryEngine::new()), None),
        EngineKind::Redis => {
            let redis = RedisServer::start();
            let engine = RedisEngine::new(&redis.url(), &prefix).unwrap();
            (Arc::new(engine), Some(redis))
        }
        EngineKind::Cluster => {
            let engine = RedisEngine::new(&CLUSTER_REDIS.url(), &prefix).unwrap();
            (Arc::new(engine), None)
        }
    }
}

/// The shard of every id here, as a tenant's ids share theirs: on a cluster-mode Redis
/// a key name that leaves its tenant's slot, or an untagged key used beside a tagged
/// one, is then refused.
fn shard() -> Shard {
    Shard::parse("c0de").unwrap()
}

/// A stored client with one stored user; returns both.
async fn client_with_user(engine: &SharedEngine) -> (Client, User) {
    let now = Utc::now();
    let client = Client {
        id: ClientId::random_in(shard()),
        name: "Contract".into(),
        description: None,
        is_active: true,
        created_at: now,
        updated_at: now,
    };
    let master = issue(KeyOwner::Client(client.id), now, None);
    engine.create_client(&client, &master.record).await.unwrap();
    let user = User {
        id: UserId::random_in(shard()),
        client_id: client.id,
        email: Email::parse("c@example.com").unwrap(),
        username: Username::parse("contract").unwrap(),
        full_name: None,
        metadata: Default::default(),
        is_active: true,
        created_at: now,
        updated_at: now,
    };
    let key = issue(user_owner(&user), now, Some(Duration::hours(1)));
    engine.create_user(&user, &key.record).await.unwrap();
    (client, user)
}

/// A stored user of `client` (no client record needed), for membership checks.
async fn stored_user(engine: &SharedEngine, client: ClientId) -> UserId {
    let now = Utc::now();
    let id = UserId::random_in(shard());
    let name = format!("u{}", &id.to_string()[..8]);
    let user = User {
        id,
        client_id: client,
        email: Email::parse(&format!("{name}@example.com")).unwrap(),
        username: Username::parse(&name).unwrap(),
        full_name: None,
        metadata: Default::default(),
        is_active: true,
        created_at: now,
        updated_at: now,
    };
    let key = issue(user_owner(&user), now, Some(Duration::hours(1)));
    engine.create_user(&user, &key.record).await.unwrap();
    id
}

/// Rotates to `key`, recording a login event of its owner and no webhook event.
async fn rotate(engine: &SharedEngine, key: &KeyRecord) -> Rotation {
    let login = event(
        key.owner.client(),
        SecurityEventKind::UserLogin,
        key.owner.user(),
    );
    let record = RotationRecord {
        event: &login,
        webhook: None,
        notice: "rotated",
    };
    engine.rotate_key(key, Utc::now(), record).await.unwrap()
}

fn user_owner(user: &User) -> KeyOwner {
    KeyOwner::User {
        client: user.client_id,
        user: user.id,
    }
}

async fn rotation_leaves_one_live_key_and_tombstones_the_rest(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let (_, user) = client_with_user(&engine).await;
    let mut digests = Vec::new();
    for _ in 0..3 {
        let key = issue(user_owner(&user), Utc::now(), Some(Duration::hours(1)));
        let rotation = rotate(&engine, &key.record).await;
        assert_eq!(rotation, Rotation::Rotated);
        digests.push(key.record.digest);
    }
    let (live, old) = digests.split_last().unwrap();
    let record = engine.find_key(live).await.unwrap().unwrap();
    assert_eq!(record.revoked_at, None);
    assert_eq!(record.owner, user_owner(&user));
    for digest in old {
        let tombstone = engine.find_key(digest).await.unwrap().unwrap();
        assert!(tombstone.revoked_at.is_some(), "{tombstone:?}");
    }
}

async fn rotation_refuses_missing_and_disabled_owners(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let (client, user) = client_with_user(&engine).await;
    let stranger = KeyOwner::User {
        client: client.id,
        user: UserId::random_in(shard()),
    };
    let key = issue(stranger, Utc::now(), None);
    assert_eq!(rotate(&engine, &key.record).await, Rotation::OwnerGone);
    assert!(engine.find_key(&key.record.digest).await.unwrap().is_none());

    let disabled = User {
        is_active: false,
        ..user.clone()
    };
    let applied = engine
        .update_user(&user, &disabled, Utc::now())
        .await
        .unwrap();
    assert_eq!(applied, Update::Applied);
    let key = issue(user_owner(&user), Utc::now(), None);
    let rotation = rotate(&engine, &key.record).await;
    assert_eq!(rotation, Rotation::OwnerDisabled);
}

/// A login's security event, `user.login` webhook event and control notice are kept
/// and published in the rotation's own step: all when the key rotated, none when it
/// was refused.
async fn rotation_records_its_event_and_webhook_event_only_when_it_rotates(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let mut inbound = start_broker(&engine);
    subscribe_live(&engine, &mut inbound, RoomId::random_in(shard())).await;
    let (client, user) = client_with_user(&engine).await;
    let hook = webhook(client.id, &["user.login"]);
    engine.create_webhook(&hook).await.unwrap();
    let login = event(client.id, SecurityEventKind::UserLogin, Some(user.id));
    let key = issue(user_owner(&user), Utc::now(), None);
    let record = RotationRecord {
        event: &login,
        webhook: Some(("user.login", "{\"logged\":\"in\"}")),
        notice: "the old key is dead",
    };
    let rotation = engine.rotate_key(&key.record, Utc::now(), record).await;
    assert_eq!(rotation.unwrap(), Rotation::Rotated);

    let stranger = KeyOwner::User {
        client: client.id,
        user: UserId::random_in(shard()),
    };
    let refused = event(client.id, SecurityEventKind::MasterKeyRotated, None);
    let record = RotationRecord {
        event: &refused,
        webhook: Some(("user.login", "{\"refused\":true}")),
        notice: "refused, so never heard",
    };
    let key = issue(stranger, Utc::now(), None);
    let rotation = engine.rotate_key(&key.record, Utc::now(), record).await;
    assert_eq!(rotation.unwrap(), Rotation::OwnerGone);

    let events = engine
        .list_events(client.id, &EventFilter::default(), &first_page(10))
        .await
        .unwrap();
    assert_eq!(events.data, vec![login]);
    let lease = std::time::Duration::from_secs(30);
    let queued = engine.claim_outbox(hook.id, "node-a", lease).await.unwrap();
    assert_eq!(
        queued.map(|claimed| claimed.entry),
        Some(OutboxEntry::Event("{\"logged\":\"in\"}".into()))
    );
    assert_eq!(engine.pending_webhooks().await.unwrap(), vec![hook.id]);
    let notice = Inbound::Control {
        payload: "the old key is dead".into(),
    };
    assert_eq!(until_fence(&engine, &mut inbound).await, [notice]);
}

async fn update_user_is_compare_and_set(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let (_, user) = client_with_user(&engine).await;
    let renamed = User {
        full_name: Some("First".into()),
        ..user.clone()
    };
    assert_eq!(
        engine
            .update_user(&user, &renamed, Utc::now())
            .await
            .unwrap(),
        Update::Applied
    );
    let lost = User {
        full_name: Some("Second".into()),
        ..user.clone()
    };
    assert_eq!(
        engine.update_user(&user, &lost, Utc::now()).await.unwrap(),
        Update::Stale
    );
    let stored = engine.get_user(user.id).await.unwrap().unwrap();
    assert_eq!(stored.full_name.as_deref(), Some("First"));
}

async fn revoke_user_key_revokes_only_the_named_key(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let (_, user) = client_with_user(&engine).await;
    let key = issue(user_owner(&user), Utc::now(), Some(Duration::hours(1)));
    rotate(&engine, &key.record).await;
    let other = issue(user_owner(&user), Utc::now(), None).record.digest;
    assert!(!engine
        .revoke_user_key(user.id, Some(&other), Utc::now())
        .await
        .unwrap());
    assert!(engine
        .revoke_user_key(user.id, Some(&key.record.digest), Utc::now())
        .await
        .unwrap());
    assert!(!engine
        .revoke_user_key(user.id, None, Utc::now())
        .await
        .unwrap());
    let record = engine.find_key(&key.record.digest).await.unwrap().unwrap();
    assert!(record.revoked_at.is_some());
}

// --- rooms, members, messages --------------------------------------------------

/// A room of `client`, not yet stored.
fn new_room(client: ClientId) -> Room {
    let now = Utc::now();
    Room {
        id: RoomId::random_in(shard()),
        client_id: client,
        name: "Contract room".into(),
        description: None,
        room_type: RoomType::Group,
        is_private: false,
        max_members: 100,
        created_by: None,
        metadata: Default::default(),
        created_at: now,
        updated_at: now,
    }
}

fn membership(room: &Room, user: UserId, joined_at: DateTime<Utc>) -> Membership {
    Membership {
        room_id: room.id,
        user_id: user,
        role: Role::Member,
        joined_at,
    }
}

/// Stores `room` with `members` joined one second apart, in the order given.
async fn store_room(engine: &SharedEngine, room: Room, members: &[UserId]) -> Room {
    let joined: Vec<Membership> = (0..)
        .zip(members)
        .map(|(i, user)| membership(&room, *user, room.created_at + Duration::seconds(i)))
        .collect();
    engine.create_room(&room, &joined).await.unwrap();
    room
}

/// A message for `room`, not yet appended (`seq` 0).
fn new_message(room: &Room, content: &str) -> Message {
    Message {
        id: MessageId::random_in(shard()),
        room_id: room.id,
        seq: 0,
        sender_id: None,
        content: content.into(),
        message_type: Default::default(),
        metadata: Default::default(),
        reply_to: None,
        reactions: Default::default(),
        client_msg_id: None,
        created_at: Utc::now(),
        edited_at: None,
        deleted_at: None,
    }
}

async fn append_new(engine: &SharedEngine, message: &Message) -> Message {
    match engine.append_message(message, None).await.unwrap().0 {
        Appended::New(stored) => stored,
        other => panic!("expected a new message, got {other:?}"),
    }
}

async fn history(
    engine: &SharedEngine,
    room: RoomId,
    range: HistoryRange,
    limit: usize,
) -> Vec<u64> {
    let messages = engine.list_messages(room, range, limit).await.unwrap();
    messages.iter().map(|m| m.seq).collect()
}

fn first_page(limit: usize) -> PageRequest {
    PageRequest {
        limit,
        cursor: None,
    }
}

async fn append_message_numbers_concurrent_appends_without_gaps(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let room = store_room(&engine, new_room(ClientId::random_in(shard())), &[]).await;
    let appends = (0..50).map(|i| {
        let (engine, message) = (engine.clone(), new_message(&room, &format!("m{i}")));
        async move { append_new(&engine, &message).await }
    });
    let mut stored = join_all(appends).await;
    stored.sort_by_key(|m| m.seq);
    let seqs: Vec<u64> = stored.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=50).collect::<Vec<_>>());
    let listed = engine
        .list_messages(room.id, HistoryRange::After(0), 100)
        .await
        .unwrap();
    assert_eq!(listed, stored);
    let (_, stats) = engine.get_room(room.id).await.unwrap().unwrap();
    assert_eq!(stats.last_seq, 50);
    assert!(stats.last_message_at.is_some());
}

async fn append_message_with_a_seen_client_msg_id_returns_the_original(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let room = store_room(&engine, new_room(ClientId::random_in(shard())), &[]).await;
    let first = Message {
        client_msg_id: Some("cm-1".into()),
        ..new_message(&room, "first")
    };
    let original = append_new(&engine, &first).await;
    let resend = Message {
        id: MessageId::random_in(shard()),
        content: "resent".into(),
        ..first.clone()
    };
    let again = engine.append_message(&resend, None).await.unwrap().0;
    assert_eq!(again, Appended::Duplicate(original));
    assert_eq!(engine.get_message(resend.id).await.unwrap(), None);
    let other = Message {
        client_msg_id: Some("cm-2".into()),
        ..new_message(&room, "second")
    };
    assert_eq!(append_new(&engine, &other).await.seq, 2);
}

async fn add_member_reports_added_already_member_full_and_room_gone(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let room = store_room(&engine, new_room(client), &[UserId::random_in(shard())]).await;
    let second = membership(&room, stored_user(&engine, client).await, Utc::now());
    // The join's starting point: the messages before it are not the new member's.
    for content in ["before", "the join"] {
        append_new(&engine, &new_message(&room, content)).await;
    }
    assert_eq!(
        engine.add_member(&second, 2).await.unwrap(),
        AddMember::Added { last_seq: 2 }
    );
    assert_eq!(
        engine.add_member(&second, 3).await.unwrap(),
        AddMember::AlreadyMember
    );
    let third = membership(&room, stored_user(&engine, client).await, Utc::now());
    assert_eq!(engine.add_member(&third, 2).await.unwrap(), AddMember::Full);
    let deleted = membership(&room, UserId::random_in(shard()), Utc::now());
    assert_eq!(
        engine.add_member(&deleted, 9).await.unwrap(),
        AddMember::UserGone
    );
    let (_, stats) = engine.get_room(room.id).await.unwrap().unwrap();
    assert_eq!(stats.member_count, 2);
    let unsaved = new_room(client);
    let stray = membership(&unsaved, UserId::random_in(shard()), Utc::now());
    assert_eq!(
        engine.add_member(&stray, 2).await.unwrap(),
        AddMember::RoomGone
    );
}

async fn mark_read_only_moves_forward_and_leaving_forgets_it(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let user = stored_user(&engine, client).await;
    let room = store_room(&engine, new_room(client), &[user]).await;
    assert_eq!(engine.mark_read(room.id, user, 5).await.unwrap(), Some(5));
    assert_eq!(engine.mark_read(room.id, user, 3).await.unwrap(), Some(5));
    // Exact at the top of the range, where a double would round.
    let top = engine.mark_read(room.id, user, u64::MAX).await.unwrap();
    assert_eq!(top, Some(u64::MAX));
    let stranger = UserId::random_in(shard());
    assert_eq!(engine.mark_read(room.id, stranger, 1).await.unwrap(), None);
    let member = engine.get_member(room.id, user).await.unwrap().unwrap();
    assert_eq!(member.last_read_seq, u64::MAX);

    assert!(engine.remove_member(room.id, user).await.unwrap());
    assert!(!engine.remove_member(room.id, user).await.unwrap());
    let rejoin = membership(&room, user, Utc::now());
    assert_eq!(
        engine.add_member(&rejoin, 10).await.unwrap(),
        AddMember::Added { last_seq: 0 }
    );
    let member = engine.get_member(room.id, user).await.unwrap().unwrap();
    assert_eq!(member.last_read_seq, 0);
}

async fn list_messages_reads_before_and_after_ranges_in_order(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let room = store_room(&engine, new_room(ClientId::random_in(shard())), &[]).await;
    for i in 1..=5 {
        append_new(&engine, &new_message(&room, &format!("m{i}"))).await;
    }
    let id = room.id;
    assert_eq!(
        history(&engine, id, HistoryRange::After(0), 2).await,
        [1, 2]
    );
    assert_eq!(
        history(&engine, id, HistoryRange::After(3), 10).await,
        [4, 5]
    );
    assert!(history(&engine, id, HistoryRange::After(5), 10)
        .await
        .is_empty());
    assert_eq!(
        history(&engine, id, HistoryRange::Before(4), 2).await,
        [3, 2]
    );
    assert_eq!(history(&engine, id, HistoryRange::Before(2), 10).await, [1]);
    assert_eq!(
        history(&engine, id, HistoryRange::Before(u64::MAX), 2).await,
        [5, 4]
    );
    assert!(history(
        &engine,
        RoomId::random_in(shard()),
        HistoryRange::After(0),
        10
    )
    .await
    .is_empty());
}

async fn update_message_is_compare_and_set_and_keeps_metadata_exact(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let room = store_room(&engine, new_room(ClientId::random_in(shard())), &[]).await;
    let metadata = json!({"big": u64::MAX, "small": -9_007_199_254_740_993_i64, "f": 0.1});
    let original = append_new(
        &engine,
        &Message {
            metadata: metadata.as_object().unwrap().clone(),
            ..new_message(&room, "hello")
        },
    )
    .await;
    let read = engine.get_message(original.id).await.unwrap();
    assert_eq!(read.as_ref(), Some(&original));
    let edited = Message {
        content: "edited".into(),
        edited_at: Some(Utc::now()),
        ..original.clone()
    };
    let applied = engine.update_message(&original, &edited).await.unwrap();
    assert_eq!(applied, Update::Applied);
    let lost = Message {
        content: "lost".into(),
        ..original.clone()
    };
    let stale = engine.update_message(&original, &lost).await.unwrap();
    assert_eq!(stale, Update::Stale);
    assert_eq!(engine.get_message(original.id).await.unwrap(), Some(edited));
}

async fn create_direct_room_makes_one_room_per_pair(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let (a, b) = (UserId::random_in(shard()), UserId::random_in(shard()));
    let direct = || Room {
        room_type: RoomType::Direct,
        ..new_room(ClientId::random_in(shard()))
    };
    let first = direct();
    let second = Room {
        client_id: first.client_id,
        ..direct()
    };
    let now = Utc::now();
    let pair = |room: &Room, x, y| [membership(room, x, now), membership(room, y, now)];
    let made = engine.create_direct_room(&first, &pair(&first, a, b)).await;
    assert_eq!(made.unwrap(), first.id);
    let again = engine
        .create_direct_room(&second, &pair(&second, b, a))
        .await;
    assert_eq!(again.unwrap(), first.id);
    assert!(engine.get_room(second.id).await.unwrap().is_none());
    let rooms = engine.list_user_rooms(b, &first_page(10)).await.unwrap();
    assert_eq!(rooms.data.len(), 1);

    engine.delete_room(&first).await.unwrap();
    let remade = engine
        .create_direct_room(&second, &pair(&second, b, a))
        .await;
    assert_eq!(remade.unwrap(), second.id);
}

async fn delete_room_clears_members_user_rooms_and_messages(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let mut users = vec![UserId::random_in(shard()), UserId::random_in(shard())];
    let room = store_room(&engine, new_room(client), &users).await;
    let message = append_new(&engine, &new_message(&room, "bye")).await;

    let mut removed = engine.delete_room(&room).await.unwrap();
    removed.sort();
    users.sort();
    assert_eq!(removed, users);
    assert!(engine.get_room(room.id).await.unwrap().is_none());
    for user in &users {
        assert!(engine.get_member(room.id, *user).await.unwrap().is_none());
        let rooms = engine
            .list_user_rooms(*user, &first_page(10))
            .await
            .unwrap();
        assert!(rooms.data.is_empty());
    }
    assert!(engine.get_message(message.id).await.unwrap().is_none());
    assert!(history(&engine, room.id, HistoryRange::After(0), 10)
        .await
        .is_empty());
    let listed = engine.list_rooms(client, &first_page(10)).await.unwrap();
    assert!(listed.data.is_empty());
    assert!(engine.delete_room(&room).await.unwrap().is_empty());
}

async fn delete_user_removes_its_memberships(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let (client, user) = client_with_user(&engine).await;
    let other = UserId::random_in(shard());
    let shared = store_room(&engine, new_room(client.id), &[user.id, other]).await;
    let own = store_room(&engine, new_room(client.id), &[user.id]).await;
    engine.mark_read(shared.id, user.id, 1).await.unwrap();

    assert!(engine.delete_user(&user, Utc::now()).await.unwrap());
    for room in [&shared, &own] {
        assert!(engine.get_member(room.id, user.id).await.unwrap().is_none());
    }
    let members = engine
        .list_members(shared.id, &first_page(10))
        .await
        .unwrap();
    let ids: Vec<UserId> = members.data.iter().map(|m| m.membership.user_id).collect();
    assert_eq!(ids, [other]);
    let (_, stats) = engine.get_room(own.id).await.unwrap().unwrap();
    assert_eq!(stats.member_count, 0);
    let rooms = engine
        .list_user_rooms(user.id, &first_page(10))
        .await
        .unwrap();
    assert!(rooms.data.is_empty());
}

async fn list_members_pages_in_joining_order_with_a_cursor(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let users: Vec<UserId> = (0..5).map(|_| UserId::random_in(shard())).collect();
    let room = store_room(&engine, new_room(ClientId::random_in(shard())), &users).await;
    let mut seen = Vec::new();
    let mut cursors = Vec::new();
    let mut page = first_page(2);
    loop {
        let members = engine.list_members(room.id, &page).await.unwrap();
        seen.extend(members.data.iter().map(|m| m.membership.user_id));
        cursors.push(members.next_cursor.clone());
        match members.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen, users);
    assert_eq!(cursors.len(), 3, "{cursors:?}");
}

async fn list_rooms_and_user_rooms_page_with_cursors(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let (client, user) = (ClientId::random_in(shard()), UserId::random_in(shard()));
    let start = Utc::now();
    let mut rooms = Vec::new();
    for i in 0..3 {
        let room = Room {
            created_at: start + Duration::seconds(i),
            ..new_room(client)
        };
        rooms.push(store_room(&engine, room, &[user]).await);
    }
    let first = engine.list_rooms(client, &first_page(2)).await.unwrap();
    let next = PageRequest {
        limit: 2,
        cursor: first.next_cursor.clone(),
    };
    let rest = engine.list_rooms(client, &next).await.unwrap();
    let ids: Vec<RoomId> = first
        .data
        .iter()
        .chain(&rest.data)
        .map(|(r, _)| r.id)
        .collect();
    assert_eq!(ids, rooms.iter().map(|r| r.id).collect::<Vec<_>>());
    assert_eq!(rest.next_cursor, None);
    assert!(first.data.iter().all(|(_, stats)| stats.member_count == 1));

    let mut by_id: Vec<RoomId> = rooms.iter().map(|r| r.id).collect();
    by_id.sort();
    let first = engine.list_user_rooms(user, &first_page(2)).await.unwrap();
    assert_eq!(first.next_cursor, Some(by_id[1].to_string()));
    let next = PageRequest {
        limit: 2,
        cursor: first.next_cursor.clone(),
    };
    let rest = engine.list_user_rooms(user, &next).await.unwrap();
    let ids: Vec<RoomId> = first
        .data
        .iter()
        .chain(&rest.data)
        .map(|(r, _, _)| r.id)
        .collect();
    assert_eq!(ids, by_id);
    assert_eq!(rest.next_cursor, None);
    assert!(rest
        .data
        .iter()
        .all(|(_, _, m)| m.membership.user_id == user));
}

async fn presence_counts_users_across_nodes_until_their_entries_lapse(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let room = RoomId::random_in(shard());
    let (ann, bob) = (UserId::random_in(shard()), UserId::random_in(shard()));
    let long = std::time::Duration::from_secs(60);
    let short = std::time::Duration::from_millis(300);
    let (ann_1, ann_2, bob_1) = (
        SessionId::random(),
        SessionId::random(),
        SessionId::random(),
    );
    engine
        .presence_refresh("node-a", room, &[(ann, ann_1)], long)
        .await
        .unwrap();
    engine
        .presence_refresh("node-b", room, &[(ann, ann_2), (bob, bob_1)], short)
        .await
        .unwrap();
    let mut online = engine.presence_online(room).await.unwrap();
    online.sort();
    let mut both = vec![ann, bob];
    both.sort();
    assert_eq!(online, both, "one entry per user, whatever the sessions");

    // Node b stops refreshing (it died): its entries lapse; ann stays through node a.
    let started = std::time::Instant::now();
    while engine.presence_online(room).await.unwrap().len() > 1 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "entries never lapsed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(engine.presence_online(room).await.unwrap(), [ann]);

    engine
        .presence_remove("node-a", room, ann, ann_1)
        .await
        .unwrap();
    assert!(engine.presence_online(room).await.unwrap().is_empty());

    // A restarted node clears what it left behind.
    engine
        .presence_refresh("node-a", room, &[(bob, bob_1)], long)
        .await
        .unwrap();
    engine.presence_clear_node("node-b").await.unwrap();
    assert_eq!(engine.presence_online(room).await.unwrap(), [bob]);
    engine.presence_clear_node("node-a").await.unwrap();
    assert!(engine.presence_online(room).await.unwrap().is_empty());
}

// --- clients and users ------------------------------------------------------------

/// A stored user of `client` with these names, created at `created_at`.
async fn named_user(
    engine: &SharedEngine,
    client: ClientId,
    username: &str,
    email: &str,
    created_at: DateTime<Utc>,
) -> User {
    let user = User {
        id: UserId::random_in(shard()),
        client_id: client,
        email: Email::parse(email).unwrap(),
        username: Username::parse(username).unwrap(),
        full_name: None,
        metadata: Default::default(),
        is_active: true,
        created_at,
        updated_at: created_at,
    };
    let key = issue(user_owner(&user), created_at, Some(Duration::hours(1)));
    engine.create_user(&user, &key.record).await.unwrap();
    user
}

async fn ping_answers_and_clients_are_created_read_and_updated(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    engine.ping().await.unwrap();
    let now = Utc::now();
    let client = Client {
        id: ClientId::random_in(shard()),
        name: "Before".into(),
        description: None,
        is_active: true,
        created_at: now,
        updated_at: now,
    };
    let master = issue(KeyOwner::Client(client.id), now, None);
    engine.create_client(&client, &master.record).await.unwrap();
    assert_eq!(
        engine.get_client(client.id).await.unwrap(),
        Some(client.clone())
    );
    let record = engine
        .find_key(&master.record.digest)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.owner, KeyOwner::Client(client.id));
    assert_eq!(record.revoked_at, None);

    let updated = Client {
        name: "After".into(),
        description: Some("edited".into()),
        updated_at: now + Duration::seconds(1),
        ..client.clone()
    };
    engine.update_client(&updated).await.unwrap();
    assert_eq!(engine.get_client(client.id).await.unwrap(), Some(updated));
    assert_eq!(
        engine
            .get_client(ClientId::random_in(shard()))
            .await
            .unwrap(),
        None
    );

    // A client's master key rotates like a user's.
    let next = issue(KeyOwner::Client(client.id), Utc::now(), None);
    let rotation = rotate(&engine, &next.record).await;
    assert_eq!(rotation, Rotation::Rotated);
    let old = engine
        .find_key(&master.record.digest)
        .await
        .unwrap()
        .unwrap();
    assert!(old.revoked_at.is_some(), "{old:?}");
}

async fn create_user_refuses_a_taken_email_or_username_whatever_the_case(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let now = Utc::now();
    let first = named_user(&engine, client, "alice", "alice@example.com", now).await;
    let clash = |username: &str, email: &str| User {
        id: UserId::random_in(shard()),
        username: Username::parse(username).unwrap(),
        email: Email::parse(email).unwrap(),
        ..first.clone()
    };
    for (candidate, expected) in [
        (clash("other", "ALICE@example.COM"), "email"),
        (clash("ALICE", "other@example.com"), "username"),
    ] {
        let key = issue(user_owner(&candidate), now, None);
        let refused = engine.create_user(&candidate, &key.record).await;
        match (expected, refused) {
            ("email", Err(EngineError::EmailTaken)) => {}
            ("username", Err(EngineError::UsernameTaken)) => {}
            (_, other) => panic!("expected {expected} taken, got {other:?}"),
        }
        assert_eq!(engine.get_user(candidate.id).await.unwrap(), None);
        assert!(engine.find_key(&key.record.digest).await.unwrap().is_none());
    }
    // The same names are free in another client.
    named_user(
        &engine,
        ClientId::random_in(shard()),
        "alice",
        "alice@example.com",
        now,
    )
    .await;
    assert_eq!(engine.get_user(first.id).await.unwrap(), Some(first));
}

async fn find_user_by_email_finds_by_the_lower_cased_key_within_one_client(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let user = named_user(
        &engine,
        client,
        "mixed",
        "Mixed.Case@Example.com",
        Utc::now(),
    )
    .await;
    let found = engine
        .find_user_by_email(client, "mixed.case@example.com", None)
        .await
        .unwrap();
    assert_eq!(found, (Some(user.clone()), None));
    let elsewhere = engine
        .find_user_by_email(ClientId::random_in(shard()), "mixed.case@example.com", None)
        .await
        .unwrap();
    assert_eq!(elsewhere, (None, None));
    let unknown = engine
        .find_user_by_email(client, "nobody@example.com", None)
        .await
        .unwrap();
    assert_eq!(unknown, (None, None));
}

/// A login's lookup takes its unit of the rate bucket in the same step, known email
/// or not, and reads no user once the bucket refuses; the bucket is the one `take`
/// draws from.
async fn find_user_by_email_draws_its_bucket_first_and_reads_nothing_when_refused(
    kind: EngineKind,
) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let user = named_user(
        &engine,
        client,
        "metered",
        "metered@example.com",
        Utc::now(),
    )
    .await;
    let check = RateCheck {
        bucket: format!("contract-login:{client}"),
        shard: Some(client.shard()),
        limit: Limit {
            interval_ms: 60_000,
            burst: 3,
        },
    };
    let lookup = |email: &'static str| {
        let (engine, check) = (engine.clone(), check.clone());
        async move {
            let (user, status) = engine
                .find_user_by_email(client, email, Some(&check))
                .await
                .unwrap();
            (user, status.unwrap())
        }
    };
    let (found, status) = lookup("metered@example.com").await;
    assert_eq!(found, Some(user.clone()));
    assert!(status.allowed && status.remaining == 2, "{status:?}");
    let (unknown, status) = lookup("nobody@example.com").await;
    assert_eq!(unknown, None);
    assert!(status.allowed && status.remaining == 1, "{status:?}");
    assert_eq!(lookup("metered@example.com").await.0, Some(user));
    let (refused, status) = lookup("metered@example.com").await;
    assert_eq!(refused, None);
    assert!(!status.allowed && status.retry_after_ms > 0, "{status:?}");
    assert!(!engine.take(&check).await.unwrap().allowed);
}

async fn list_users_pages_in_creation_order_and_filters_by_prefix(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let start = Utc::now();
    let names = ["carol", "alice", "albert", "bob", "alfred"];
    let mut users = Vec::new();
    for (i, name) in (0..).zip(names) {
        let email = format!("{name}@example.com");
        let at = start + Duration::seconds(i);
        users.push(named_user(&engine, client, name, &email, at).await);
    }
    named_user(
        &engine,
        ClientId::random_in(shard()),
        "alien",
        "alien@example.com",
        start,
    )
    .await;

    let all = UserFilter::new(None);
    let mut seen = Vec::new();
    let mut page = first_page(2);
    let mut pages = 0;
    loop {
        let listed = engine.list_users(client, &all, &page).await.unwrap();
        pages += 1;
        seen.extend(listed.data.iter().map(|u| u.id));
        match listed.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen, users.iter().map(|u| u.id).collect::<Vec<_>>());
    assert_eq!(pages, 3);

    // The prefix matches the username or the email, whatever the case, and pages
    // count only matching users.
    let al = UserFilter::new(Some("AL"));
    let first = engine
        .list_users(client, &al, &first_page(2))
        .await
        .unwrap();
    let names: Vec<&str> = first.data.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["alice", "albert"]);
    let next = PageRequest {
        limit: 2,
        cursor: first.next_cursor.clone(),
    };
    assert!(next.cursor.is_some());
    let rest = engine.list_users(client, &al, &next).await.unwrap();
    let names: Vec<&str> = rest.data.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["alfred"]);
    assert_eq!(rest.next_cursor, None);
    let by_email = UserFilter::new(Some("bob@"));
    let bob = engine
        .list_users(client, &by_email, &first_page(10))
        .await
        .unwrap();
    assert_eq!(bob.data.len(), 1);
    assert_eq!(bob.data[0].username.as_str(), "bob");
}

async fn update_user_renames_refuses_a_taken_username_and_deactivation_revokes_the_key(
    kind: EngineKind,
) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let now = Utc::now();
    let user = named_user(&engine, client, "first", "first@example.com", now).await;
    named_user(&engine, client, "taken", "taken@example.com", now).await;
    let taken = User {
        username: Username::parse("TAKEN").unwrap(),
        ..user.clone()
    };
    let refused = engine.update_user(&user, &taken, Utc::now()).await;
    assert!(
        matches!(refused, Err(EngineError::UsernameTaken)),
        "{refused:?}"
    );
    assert_eq!(engine.get_user(user.id).await.unwrap(), Some(user.clone()));

    let renamed = User {
        username: Username::parse("second").unwrap(),
        ..user.clone()
    };
    let applied = engine
        .update_user(&user, &renamed, Utc::now())
        .await
        .unwrap();
    assert_eq!(applied, Update::Applied);
    // The old name is free again, the new one is held.
    named_user(&engine, client, "FIRST", "other@example.com", now).await;
    let clash = User {
        id: UserId::random_in(shard()),
        email: Email::parse("third@example.com").unwrap(),
        ..renamed.clone()
    };
    let key = issue(user_owner(&clash), now, None);
    let refused = engine.create_user(&clash, &key.record).await;
    assert!(
        matches!(refused, Err(EngineError::UsernameTaken)),
        "{refused:?}"
    );

    let live = issue(user_owner(&user), Utc::now(), Some(Duration::hours(1)));
    rotate(&engine, &live.record).await;
    let disabled = User {
        is_active: false,
        ..renamed.clone()
    };
    let applied = engine
        .update_user(&renamed, &disabled, Utc::now())
        .await
        .unwrap();
    assert_eq!(applied, Update::Applied);
    let record = engine.find_key(&live.record.digest).await.unwrap().unwrap();
    assert!(record.revoked_at.is_some(), "{record:?}");
    assert!(!engine
        .revoke_user_key(user.id, None, Utc::now())
        .await
        .unwrap());
}

async fn delete_user_frees_its_email_revokes_its_key_and_reports_a_second_delete(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let now = Utc::now();
    let user = named_user(&engine, client, "gone", "gone@example.com", now).await;
    let key = issue(user_owner(&user), Utc::now(), Some(Duration::hours(1)));
    rotate(&engine, &key.record).await;

    assert!(engine.delete_user(&user, Utc::now()).await.unwrap());
    assert!(!engine.delete_user(&user, Utc::now()).await.unwrap());
    assert_eq!(engine.get_user(user.id).await.unwrap(), None);
    let found = engine
        .find_user_by_email(client, "gone@example.com", None)
        .await
        .unwrap();
    assert_eq!(found, (None, None));
    let record = engine.find_key(&key.record.digest).await.unwrap().unwrap();
    assert!(record.revoked_at.is_some(), "{record:?}");
    let listed = engine
        .list_users(client, &UserFilter::new(None), &first_page(10))
        .await
        .unwrap();
    assert!(listed.data.is_empty());
    // Email and username are free again.
    named_user(&engine, client, "gone", "gone@example.com", now).await;
}

// --- rooms, members, messages (continued) -----------------------------------------

async fn get_room_with_member_reads_a_room_and_one_membership_together(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let (member, stranger) = (
        stored_user(&engine, client).await,
        UserId::random_in(shard()),
    );
    let room = store_room(&engine, new_room(client), &[member]).await;
    append_new(&engine, &new_message(&room, "one")).await;
    engine.mark_read(room.id, member, 1).await.unwrap();

    let (read, stats, found) = engine
        .get_room_with_member(room.id, Some(member))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, room);
    assert_eq!((stats.member_count, stats.last_seq), (1, 1));
    assert_eq!(
        Some(stats),
        engine.get_room(room.id).await.unwrap().map(|(_, s)| s)
    );
    let found = found.unwrap();
    assert_eq!(found.membership.user_id, member);
    assert_eq!(found.last_read_seq, 1);
    assert_eq!(
        Some(found),
        engine.get_member(room.id, member).await.unwrap()
    );

    let (_, _, none) = engine
        .get_room_with_member(room.id, Some(stranger))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(none, None);
    let (read, _, none) = engine
        .get_room_with_member(room.id, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((read.id, none), (room.id, None));
    let missing = engine
        .get_room_with_member(RoomId::random_in(shard()), Some(member))
        .await
        .unwrap();
    assert_eq!(missing, None);

    engine.delete_room(&room).await.unwrap();
    let deleted = engine
        .get_room_with_member(room.id, Some(member))
        .await
        .unwrap();
    assert_eq!(deleted, None);
}

/// A room's group commit: one call, the seqs in the batch's order, and a duplicate or
/// a refusal inside the batch answered for itself without disturbing the others.
async fn append_messages_commits_a_batch_in_order_with_each_outcome_its_own(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let room = store_room(&engine, new_room(ClientId::random_in(shard())), &[]).await;
    let first = Message {
        client_msg_id: Some("cm-batch".into()),
        ..new_message(&room, "first")
    };
    let resend = Message {
        id: MessageId::random_in(shard()),
        ..first.clone()
    };
    let (second, third) = (new_message(&room, "second"), new_message(&room, "third"));
    let limited_user = UserId::random_in(shard());
    let empty_bucket = RateCheck {
        bucket: format!("contract-batch:{limited_user}"),
        shard: Some(shard()),
        limit: Limit {
            interval_ms: 60_000,
            burst: 1,
        },
    };
    engine.take(&empty_bucket).await.unwrap();
    let refused = new_message(&room, "refused");
    let batch = [
        (&first, None),
        (&second, None),
        (&resend, None),
        (&refused, Some(&empty_bucket)),
        (&third, None),
    ];
    let outcomes = engine.append_messages(&batch).await.unwrap();
    let outcomes: Vec<Appended> = outcomes.into_iter().map(|(appended, _)| appended).collect();
    let stored = |message: &Message, seq| Message {
        seq,
        ..message.clone()
    };
    assert_eq!(
        outcomes,
        vec![
            Appended::New(stored(&first, 1)),
            Appended::New(stored(&second, 2)),
            Appended::Duplicate(stored(&first, 1)),
            Appended::Limited,
            Appended::New(stored(&third, 3)),
        ]
    );
    assert_eq!(
        history(&engine, room.id, HistoryRange::After(0), 10).await,
        [1, 2, 3]
    );
    assert_eq!(engine.get_message(refused.id).await.unwrap(), None);
    assert_eq!(engine.append_messages(&[]).await.unwrap(), vec![]);
}

async fn update_room_overwrites_a_stored_room_and_leaves_a_deleted_one_deleted(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let room = store_room(&engine, new_room(client), &[]).await;
    let renamed = Room {
        name: "Renamed".into(),
        description: Some("new".into()),
        metadata: json!({"big": u64::MAX}).as_object().unwrap().clone(),
        updated_at: Utc::now(),
        ..room.clone()
    };
    engine.update_room(&renamed).await.unwrap();
    let (read, _) = engine.get_room(room.id).await.unwrap().unwrap();
    assert_eq!(read, renamed);
    let listed = engine.list_rooms(client, &first_page(10)).await.unwrap();
    assert_eq!(listed.data.len(), 1);
    assert_eq!(listed.data[0].0, renamed);

    engine.delete_room(&renamed).await.unwrap();
    engine.update_room(&renamed).await.unwrap();
    assert_eq!(engine.get_room(room.id).await.unwrap(), None);
    // Updating a room never stored does not create it either.
    let stray = new_room(client);
    engine.update_room(&stray).await.unwrap();
    assert_eq!(engine.get_room(stray.id).await.unwrap(), None);
}

async fn remove_member_updates_the_count_the_listings_and_the_read_position(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let (stays, leaves) = (
        stored_user(&engine, client).await,
        stored_user(&engine, client).await,
    );
    let room = store_room(&engine, new_room(client), &[stays, leaves]).await;
    engine.mark_read(room.id, leaves, 3).await.unwrap();

    assert!(engine.remove_member(room.id, leaves).await.unwrap());
    assert!(!engine.remove_member(room.id, leaves).await.unwrap());
    assert!(!engine
        .remove_member(RoomId::random_in(shard()), stays)
        .await
        .unwrap());
    let (_, stats) = engine.get_room(room.id).await.unwrap().unwrap();
    assert_eq!(stats.member_count, 1);
    let members = engine.list_members(room.id, &first_page(10)).await.unwrap();
    let ids: Vec<UserId> = members.data.iter().map(|m| m.membership.user_id).collect();
    assert_eq!(ids, [stays]);
    let rooms = engine
        .list_user_rooms(leaves, &first_page(10))
        .await
        .unwrap();
    assert!(rooms.data.is_empty());
    assert_eq!(engine.mark_read(room.id, leaves, 4).await.unwrap(), None);
    let rooms = engine
        .list_user_rooms(stays, &first_page(10))
        .await
        .unwrap();
    assert_eq!(rooms.data.len(), 1);
    assert_eq!(rooms.data[0].1.member_count, 1);
}

async fn append_message_to_a_missing_room_reports_room_gone(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let unsaved = new_room(ClientId::random_in(shard()));
    let message = new_message(&unsaved, "nowhere");
    let appended = engine.append_message(&message, None).await.unwrap().0;
    assert_eq!(appended, Appended::RoomGone);
    assert_eq!(engine.get_message(message.id).await.unwrap(), None);
    assert_eq!(engine.get_room(unsaved.id).await.unwrap(), None);

    // A room that took messages before its deletion is as gone as one that took none.
    let room = store_room(&engine, new_room(ClientId::random_in(shard())), &[]).await;
    let early = engine
        .append_message(&new_message(&room, "early"), None)
        .await
        .unwrap();
    assert!(matches!(early, (Appended::New(_), None)), "{early:?}");
    engine.delete_room(&room).await.unwrap();
    let late = engine
        .append_message(&new_message(&room, "late"), None)
        .await
        .unwrap();
    assert_eq!(late, (Appended::RoomGone, None));
}

/// The send's permission rule is checked in the append's own step: a sender must be
/// a member, and in a channel its owner or an admin; a system message has no sender.
async fn append_message_stores_a_members_message_and_in_a_channel_only_a_managers(
    kind: EngineKind,
) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let (owner, member, outsider) = (
        stored_user(&engine, client).await,
        stored_user(&engine, client).await,
        stored_user(&engine, client).await,
    );
    let channel = Room {
        room_type: RoomType::Channel,
        ..new_room(client)
    };
    let now = Utc::now();
    let memberships = [
        Membership {
            role: Role::Owner,
            ..membership(&channel, owner, now)
        },
        membership(&channel, member, now),
    ];
    engine.create_room(&channel, &memberships).await.unwrap();
    let from = |sender: UserId| Message {
        sender_id: Some(sender),
        ..new_message(&channel, "hi")
    };
    let outcome = |message: Message| {
        let engine = engine.clone();
        async move { engine.append_message(&message, None).await.unwrap().0 }
    };
    assert_eq!(outcome(from(outsider)).await, Appended::NotMember);
    assert_eq!(outcome(from(member)).await, Appended::NotPermitted);
    assert!(matches!(outcome(from(owner)).await, Appended::New(m) if m.seq == 1));
    assert!(
        matches!(outcome(new_message(&channel, "system")).await, Appended::New(m) if m.seq == 2)
    );

    let group = store_room(&engine, new_room(client), &[member]).await;
    let in_group = Message {
        sender_id: Some(member),
        ..new_message(&group, "hi")
    };
    assert!(matches!(outcome(in_group).await, Appended::New(m) if m.seq == 1));
    assert_eq!(
        history(&engine, channel.id, HistoryRange::After(0), 10).await,
        [1, 2]
    );
}

async fn get_message_of_an_unknown_id_is_none(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let room = store_room(&engine, new_room(ClientId::random_in(shard())), &[]).await;
    let stored = append_new(&engine, &new_message(&room, "known")).await;
    assert_eq!(engine.get_message(stored.id).await.unwrap(), Some(stored));
    assert_eq!(
        engine
            .get_message(MessageId::random_in(shard()))
            .await
            .unwrap(),
        None
    );
}

// --- security events ----------------------------------------------------------------

fn event(client: ClientId, kind: SecurityEventKind, user: Option<UserId>) -> SecurityEvent {
    SecurityEvent {
        user_id: user,
        ..SecurityEvent::new(client, kind, Some("203.0.113.9".into()))
    }
}

async fn list_events_pages_newest_first_with_filters_within_retention(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let (ann, bob) = (UserId::random_in(shard()), UserId::random_in(shard()));
    // Recorded first, so it is the oldest in any log: past the retention window.
    let expired = SecurityEvent {
        at: Utc::now() - RETENTION - Duration::days(1),
        ..event(client, SecurityEventKind::UserLogin, Some(ann))
    };
    engine.record_event(&expired).await.unwrap();
    let recorded = [
        event(client, SecurityEventKind::UserCreated, Some(ann)),
        event(client, SecurityEventKind::UserLogin, Some(ann)),
        event(client, SecurityEventKind::UserLogin, Some(bob)),
        event(client, SecurityEventKind::AuthFailed, None),
        event(client, SecurityEventKind::UserLogin, Some(ann)),
    ];
    for event in &recorded {
        engine.record_event(event).await.unwrap();
    }
    engine
        .record_event(&event(
            ClientId::random_in(shard()),
            SecurityEventKind::UserLogin,
            None,
        ))
        .await
        .unwrap();

    let newest_first: Vec<SecurityEvent> = recorded.iter().rev().cloned().collect();
    let all = EventFilter::default();
    let mut seen = Vec::new();
    let mut page = first_page(2);
    let mut pages = 0;
    loop {
        let listed = engine.list_events(client, &all, &page).await.unwrap();
        pages += 1;
        seen.extend(listed.data);
        match listed.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
        assert!(pages < 10, "the cursor does not advance");
    }
    assert_eq!(seen, newest_first, "newest first, the expired one left out");
    assert_eq!(pages, 3);

    let logins = EventFilter {
        kind: Some(SecurityEventKind::UserLogin),
        user_id: None,
    };
    let first = engine
        .list_events(client, &logins, &first_page(2))
        .await
        .unwrap();
    assert_eq!(first.data, [recorded[4].clone(), recorded[2].clone()]);
    let next = PageRequest {
        limit: 2,
        cursor: first.next_cursor.clone(),
    };
    let rest = engine.list_events(client, &logins, &next).await.unwrap();
    assert_eq!(rest.data, [recorded[1].clone()]);
    assert_eq!(rest.next_cursor, None);

    let ann_logins = EventFilter {
        kind: Some(SecurityEventKind::UserLogin),
        user_id: Some(ann),
    };
    let listed = engine
        .list_events(client, &ann_logins, &first_page(10))
        .await
        .unwrap();
    assert_eq!(listed.data, [recorded[4].clone(), recorded[1].clone()]);
    let other = engine
        .list_events(ClientId::random_in(shard()), &all, &first_page(10))
        .await
        .unwrap();
    assert!(other.data.is_empty());
}

// --- presence (continued) -----------------------------------------------------------

async fn presence_refresh_extends_entries_and_each_node_clears_only_its_own(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let (room, other_room) = (RoomId::random_in(shard()), RoomId::random_in(shard()));
    let (ann, bob) = (UserId::random_in(shard()), UserId::random_in(shard()));
    let (ann_1, bob_1) = (SessionId::random(), SessionId::random());
    let short = std::time::Duration::from_millis(200);
    let long = std::time::Duration::from_secs(60);
    assert!(engine.presence_online(room).await.unwrap().is_empty());
    engine
        .presence_refresh("node-a", room, &[], long)
        .await
        .unwrap();
    assert!(engine.presence_online(room).await.unwrap().is_empty());

    engine
        .presence_refresh("node-a", room, &[(ann, ann_1)], short)
        .await
        .unwrap();
    // Refreshed with a long TTL before the short one ran out: still online after it.
    engine
        .presence_refresh("node-a", room, &[(ann, ann_1)], long)
        .await
        .unwrap();
    tokio::time::sleep(short * 2).await;
    assert_eq!(engine.presence_online(room).await.unwrap(), [ann]);

    engine
        .presence_refresh("node-b", other_room, &[(bob, bob_1)], long)
        .await
        .unwrap();
    engine.presence_clear_node("node-a").await.unwrap();
    assert!(engine.presence_online(room).await.unwrap().is_empty());
    assert_eq!(engine.presence_online(other_room).await.unwrap(), [bob]);
    // Removing a session that has no entry changes nothing.
    engine
        .presence_remove("node-b", other_room, ann, ann_1)
        .await
        .unwrap();
    assert_eq!(engine.presence_online(other_room).await.unwrap(), [bob]);
    engine
        .presence_remove("node-b", other_room, bob, bob_1)
        .await
        .unwrap();
    assert!(engine.presence_online(other_room).await.unwrap().is_empty());
}

// --- broker -------------------------------------------------------------------------

/// What a probe publishes while waiting for a subscription to be live.
const PROBE: &str = "probe";

/// Starts the engine's broker and returns what it hears.
fn start_broker(engine: &SharedEngine) -> mpsc::UnboundedReceiver<Inbound> {
    let (sink, inbound) = mpsc::unbounded_channel();
    engine.start_broker(sink);
    inbound
}

/// The next thing the broker delivers, within the deadline.
async fn next_inbound(inbound: &mut mpsc::UnboundedReceiver<Inbound>) -> Inbound {
    timeout(DEADLINE, inbound.recv())
        .await
        .expect("nothing arrived before the deadline")
        .expect("the broker dropped its sink")
}

/// Publishes a unique notice on the control channel and returns everything that
/// arrived before it. A node hears one channel's payloads in publication order, and
/// control is always heard, so whatever was published before the fence and is not in
/// the answer was not delivered: a negative check with no timed wait.
async fn until_fence(
    engine: &SharedEngine,
    inbound: &mut mpsc::UnboundedReceiver<Inbound>,
) -> Vec<Inbound> {
    let fence = format!("fence-{}", uuid::Uuid::new_v4());
    engine.publish(Topic::Control, fence.clone()).await.unwrap();
    let mut before = Vec::new();
    loop {
        match next_inbound(inbound).await {
            Inbound::Control { payload } if payload == fence => return before,
            other => before.push(other),
        }
    }
}

/// Publishes probes on `room` until one arrives (Redis applies a subscription on the
/// subscriber task, a moment after `subscribe` returns), then drains the extra probes.
async fn until_heard(
    engine: &SharedEngine,
    inbound: &mut mpsc::UnboundedReceiver<Inbound>,
    room: RoomId,
) {
    let probe = Inbound::Room {
        room_id: room,
        payload: PROBE.into(),
    };
    let started = Instant::now();
    loop {
        engine
            .publish(Topic::Room(room), PROBE.into())
            .await
            .unwrap();
        match timeout(std::time::Duration::from_millis(100), inbound.recv()).await {
            Ok(Some(heard)) if heard == probe => break,
            Ok(Some(other)) => panic!("expected a probe, got {other:?}"),
            Ok(None) => panic!("the broker dropped its sink"),
            Err(_) => assert!(started.elapsed() < DEADLINE, "room {room} never heard"),
        }
    }
    let late = until_fence(engine, inbound).await;
    assert!(late.iter().all(|i| *i == probe), "{late:?}");
}

/// Subscribes `room` and returns once its channel is live.
async fn subscribe_live(
    engine: &SharedEngine,
    inbound: &mut mpsc::UnboundedReceiver<Inbound>,
    room: RoomId,
) {
    engine.subscribe(room).await;
    until_heard(engine, inbound, room).await;
}

fn room_payload(room: RoomId, payload: &str) -> Inbound {
    Inbound::Room {
        room_id: room,
        payload: payload.into(),
    }
}

async fn broker_delivers_control_always_and_a_room_only_while_subscribed(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let mut inbound = start_broker(&engine);
    let (heard, unheard, marker) = (
        RoomId::random_in(shard()),
        RoomId::random_in(shard()),
        RoomId::random_in(shard()),
    );
    subscribe_live(&engine, &mut inbound, heard).await;

    engine
        .publish(Topic::Room(heard), "to heard".into())
        .await
        .unwrap();
    engine
        .publish(Topic::Room(unheard), "to unheard".into())
        .await
        .unwrap();
    engine
        .publish(Topic::Control, "to every node".into())
        .await
        .unwrap();
    let arrived = until_fence(&engine, &mut inbound).await;
    let control = Inbound::Control {
        payload: "to every node".into(),
    };
    assert_eq!(arrived, [room_payload(heard, "to heard"), control]);

    // Subscription changes apply in order, so once `marker` is live, so is the
    // unsubscription before it.
    engine.unsubscribe(heard);
    subscribe_live(&engine, &mut inbound, marker).await;
    engine
        .publish(Topic::Room(heard), "after leaving".into())
        .await
        .unwrap();
    engine
        .publish(Topic::Room(marker), "still here".into())
        .await
        .unwrap();
    let arrived = until_fence(&engine, &mut inbound).await;
    assert_eq!(arrived, [room_payload(marker, "still here")]);
}

async fn broker_subscriptions_are_a_set_not_a_count(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let mut inbound = start_broker(&engine);
    let (room, marker) = (RoomId::random_in(shard()), RoomId::random_in(shard()));
    engine.subscribe(room).await;
    subscribe_live(&engine, &mut inbound, room).await;
    // Two subscriptions, one unsubscription: the room is no longer heard.
    engine.unsubscribe(room);
    subscribe_live(&engine, &mut inbound, marker).await;
    engine
        .publish(Topic::Room(room), "unheard".into())
        .await
        .unwrap();
    assert_eq!(until_fence(&engine, &mut inbound).await, []);
    // Unsubscribing a room not subscribed changes nothing either.
    engine.unsubscribe(room);
    engine.unsubscribe(room);
    subscribe_live(&engine, &mut inbound, room).await;
}

async fn broker_ignores_subscriptions_made_before_it_starts(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let (early, late) = (RoomId::random_in(shard()), RoomId::random_in(shard()));
    engine.subscribe(early).await;
    // Publishing with no listener is not an error.
    engine
        .publish(Topic::Room(early), "nobody".into())
        .await
        .unwrap();
    engine
        .publish(Topic::Control, "nobody".into())
        .await
        .unwrap();
    let mut inbound = start_broker(&engine);
    subscribe_live(&engine, &mut inbound, late).await;
    engine
        .publish(Topic::Room(early), "too early".into())
        .await
        .unwrap();
    assert_eq!(until_fence(&engine, &mut inbound).await, []);
}

async fn append_message_announces_its_seq_on_the_room_channel(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let mut inbound = start_broker(&engine);
    let room = store_room(&engine, new_room(ClientId::random_in(shard())), &[]).await;
    let quiet = store_room(&engine, new_room(room.client_id), &[]).await;
    subscribe_live(&engine, &mut inbound, room.id).await;

    append_new(&engine, &new_message(&room, "one")).await;
    append_new(&engine, &new_message(&quiet, "unheard")).await;
    let resend = Message {
        client_msg_id: Some("once".into()),
        ..new_message(&room, "two")
    };
    append_new(&engine, &resend).await;
    // A duplicate stores nothing, so it announces nothing.
    let again = engine.append_message(&resend, None).await.unwrap().0;
    assert!(matches!(again, Appended::Duplicate(_)), "{again:?}");
    // Each notice carries the message as stored (its own seq 0), so other nodes
    // deliver it without reading the store.
    let arrived: Vec<(RoomId, u64, String)> = until_fence(&engine, &mut inbound)
        .await
        .into_iter()
        .map(|inbound| match inbound {
            Inbound::Room { room_id, payload } => {
                let notice: serde_json::Value = serde_json::from_str(&payload).unwrap();
                assert_eq!(notice["message"]["seq"], 0, "{payload}");
                let content = notice["message"]["content"].as_str().unwrap().to_owned();
                (room_id, notice["seq"].as_u64().unwrap(), content)
            }
            other => panic!("not a room payload: {other:?}"),
        })
        .collect();
    assert_eq!(
        arrived,
        [
            (room.id, 1, "one".to_owned()),
            (room.id, 2, "two".to_owned())
        ]
    );
}

/// Redis only: the subscriber connection is a real connection that can drop.
#[actix_web::test]
async fn redis_broker_resubscribes_and_says_so_after_its_connection_is_killed() {
    let (engine, redis) = engine(EngineKind::Redis).await;
    let redis = redis.unwrap();
    let mut inbound = start_broker(&engine);
    let room = RoomId::random_in(shard());
    subscribe_live(&engine, &mut inbound, room).await;

    assert_eq!(redis.command("CLIENT KILL TYPE pubsub"), ":1");
    // Told of the loss first (the node stops trusting its caller cache), then of the
    // return.
    assert_eq!(next_inbound(&mut inbound).await, Inbound::Lost);
    assert_eq!(next_inbound(&mut inbound).await, Inbound::Resubscribed);
    // The room is heard again without subscribing anew, and so is control.
    until_heard(&engine, &mut inbound, room).await;
    engine
        .publish(Topic::Room(room), "after the outage".into())
        .await
        .unwrap();
    let arrived = until_fence(&engine, &mut inbound).await;
    assert_eq!(arrived, [room_payload(room, "after the outage")]);
}

// --- notifications -----------------------------------------------------------------

fn notification(title: &str, created_at: DateTime<Utc>) -> Notification {
    Notification {
        id: NotificationId::random_in(shard()),
        client_id: ClientId::random_in(shard()),
        title: title.to_owned(),
        body: "body".to_owned(),
        data: json!({"k": [1, 2]}).as_object().unwrap().clone(),
        priority: Priority::Low,
        created_at,
    }
}

async fn notifications_fill_every_inbox_newest_first_and_mark_read_once(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let (ann, bob) = (UserId::random_in(shard()), UserId::random_in(shard()));
    let now = Utc::now();
    let older = notification("older", now - Duration::seconds(5));
    let newer = notification("newer", now);
    engine
        .create_notification(&older, &[ann, bob])
        .await
        .unwrap();
    engine.create_notification(&newer, &[ann]).await.unwrap();
    let all = InboxFilter::default();
    let unread = InboxFilter { unread_only: true };
    let page = |limit, cursor: Option<String>| PageRequest { limit, cursor };

    let first = engine.list_inbox(ann, all, &page(1, None)).await.unwrap();
    assert_eq!(first.data.len(), 1);
    assert_eq!(
        first.data[0].notification, newer,
        "stored exactly, newest first"
    );
    let rest = engine
        .list_inbox(ann, all, &page(1, first.next_cursor.clone()))
        .await
        .unwrap();
    assert_eq!(rest.data[0].notification, older);
    assert_eq!(rest.next_cursor, None);
    let bobs = engine.list_inbox(bob, all, &page(10, None)).await.unwrap();
    assert_eq!(bobs.data.len(), 1);

    let at = now + Duration::seconds(1);
    let read = engine
        .mark_notification_read(ann, older.id, at)
        .await
        .unwrap();
    assert_eq!(
        read.unwrap().read_at.map(|t| t.timestamp_millis()),
        Some(at.timestamp_millis())
    );
    let later = at + Duration::seconds(9);
    let again = engine
        .mark_notification_read(ann, older.id, later)
        .await
        .unwrap();
    assert_eq!(
        again.unwrap().read_at.map(|t| t.timestamp_millis()),
        Some(at.timestamp_millis()),
        "the first read time stays"
    );
    let left = engine
        .list_inbox(ann, unread, &page(10, None))
        .await
        .unwrap();
    assert_eq!(left.data.len(), 1);
    assert_eq!(left.data[0].notification.id, newer.id);
    let bobs = engine
        .list_inbox(bob, unread, &page(10, None))
        .await
        .unwrap();
    assert_eq!(bobs.data.len(), 1, "reading is per recipient");
    assert!(bobs.data[0].read_at.is_none());

    // Bob never got the newer one; an unknown id is in nobody's inbox.
    assert!(engine
        .mark_notification_read(bob, newer.id, at)
        .await
        .unwrap()
        .is_none());
    let unknown = NotificationId::random_in(shard());
    assert!(engine
        .mark_notification_read(ann, unknown, at)
        .await
        .unwrap()
        .is_none());
}

async fn connections_count_users_until_they_close_lapse_or_their_node_clears(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let (ann, bob, cat) = (
        UserId::random_in(shard()),
        UserId::random_in(shard()),
        UserId::random_in(shard()),
    );
    let (ann_1, bob_1, cat_1) = (
        SessionId::random(),
        SessionId::random(),
        SessionId::random(),
    );
    let long = std::time::Duration::from_secs(60);
    let short = std::time::Duration::from_millis(300);
    engine
        .connections_refresh("node-a", &[(ann, ann_1)], long)
        .await
        .unwrap();
    engine
        .connections_refresh("node-b", &[(bob, bob_1)], short)
        .await
        .unwrap();
    engine
        .connections_refresh("node-c", &[(cat, cat_1)], long)
        .await
        .unwrap();
    let everyone = [cat, ann, bob, UserId::random_in(shard())];
    assert_eq!(
        engine.users_connected(&everyone).await.unwrap(),
        [cat, ann, bob]
    );

    // Node b stops refreshing: bob's entry lapses.
    let started = Instant::now();
    while engine.users_connected(&[bob]).await.unwrap() == [bob] {
        assert!(started.elapsed() < DEADLINE, "the entry never lapsed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    engine
        .connections_remove("node-a", ann, ann_1)
        .await
        .unwrap();
    assert_eq!(engine.users_connected(&everyone).await.unwrap(), [cat]);
    engine.presence_clear_node("node-c").await.unwrap();
    assert!(engine.users_connected(&everyone).await.unwrap().is_empty());
}

// --- analytics ---------------------------------------------------------------------

async fn usage_counts_appends_creations_and_node_reports_per_client_and_hour(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let (client, other) = (ClientId::random_in(shard()), ClientId::random_in(shard()));
    let (ann, bob) = (UserId::random_in(shard()), UserId::random_in(shard()));
    let room = store_room(&engine, new_room(client), &[ann, bob]).await;
    for sender in [Some(ann), Some(ann), Some(bob), None] {
        let message = Message {
            sender_id: sender,
            ..new_message(&room, "counted")
        };
        engine.append_message(&message, None).await.unwrap();
    }
    let now = Utc::now();
    engine
        .count(client, Counter::UserCreated, now)
        .await
        .unwrap();
    engine
        .count(client, Counter::RoomCreated, now)
        .await
        .unwrap();
    engine
        .count(other, Counter::UserCreated, now)
        .await
        .unwrap();
    let second = std::time::Duration::from_secs(1);
    let fresh = std::time::Duration::from_secs(60);
    let load = |connections, delivered, sent| ClientLoad {
        client,
        connections,
        delivered,
        sent,
    };
    engine
        .record_load("node-a", now, second, fresh, &[load(2, 5, 4)])
        .await
        .unwrap();
    engine
        .record_load("node-b", now, second, fresh, &[load(3, 1, 0)])
        .await
        .unwrap();
    engine
        .record_load("node-b", now, second, fresh, &[load(1, 0, 0)])
        .await
        .unwrap();

    let hour = hour_of(now);
    let usage = engine.usage(client, hour - 1, hour).await.unwrap();
    assert_eq!(usage.len(), 2);
    assert_eq!(usage[0].messages_sent, 0, "the hour before is empty");
    let this = &usage[1];
    assert_eq!(this.hour, hour);
    assert_eq!(this.messages_sent, 4);
    assert_eq!(this.active.iter().copied().collect::<Vec<_>>().len(), 2);
    assert!(this.active.contains(&ann) && this.active.contains(&bob));
    assert_eq!((this.users, this.rooms), (1, 1));
    assert_eq!(this.messages_delivered, 6);
    assert_eq!(this.peak_connections, 5, "2 on a and 3 on b at once");
    let others = engine.usage(other, hour, hour).await.unwrap();
    assert_eq!((others[0].users, others[0].messages_sent), (1, 0));

    let mut live = engine.live_load(client).await.unwrap();
    live.sort_by(|a, b| a.node.cmp(&b.node));
    let nodes: Vec<(&str, u64)> = live
        .iter()
        .map(|l| (l.node.as_str(), l.connections))
        .collect();
    assert_eq!(nodes, [("node-a", 2), ("node-b", 1)]);
    assert!((live[0].messages_per_sec - 4.0).abs() < 1e-9);
    assert!(engine.live_load(other).await.unwrap().is_empty());
}

// --- webhooks ----------------------------------------------------------------------

fn webhook(client: ClientId, events: &[&str]) -> Webhook {
    let now = Utc::now();
    Webhook {
        id: WebhookId::random_in(shard()),
        client_id: client,
        url: "http://127.0.0.1:9/hook".into(),
        events: WebhookEvents::parse(events.iter().map(|e| e.to_string()).collect()).unwrap(),
        secret: "whsec_contract".into(),
        is_active: true,
        created_at: now,
        updated_at: now,
    }
}

fn attempt(webhook: &Webhook, status: DeliveryStatus, entry: &OutboxEntry) -> Delivery {
    Delivery {
        id: String::new(),
        webhook_id: webhook.id,
        event_id: "evt_1".into(),
        event: "room.created".into(),
        attempt: 1,
        status,
        response_code: Some(200),
        latency_ms: 3,
        error: None,
        at: Utc::now(),
        entry: entry.encode(),
    }
}

async fn outboxes_take_matching_events_in_order_and_the_append_queues_new_messages(
    kind: EngineKind,
) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let all = webhook(client, &["*"]);
    let rooms_only = webhook(client, &["room.created"]);
    let mut off = webhook(client, &["*"]);
    off.is_active = false;
    for hook in [&all, &rooms_only, &off] {
        engine.create_webhook(hook).await.unwrap();
    }
    let listed = engine
        .list_webhooks(
            client,
            &PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.data.len(), 3);
    assert_eq!(engine.get_webhook(all.id).await.unwrap().unwrap(), all);

    let room = new_room(client);
    engine.create_room(&room, &[]).await.unwrap();
    engine
        .enqueue_event(client, "room.created", "{\"n\":1}")
        .await
        .unwrap();
    engine
        .append_message(&new_message(&room, "hooked"), None)
        .await
        .unwrap();
    engine
        .enqueue_event(ClientId::random_in(shard()), "room.created", "{}")
        .await
        .unwrap();
    let mut pending = engine.pending_webhooks().await.unwrap();
    pending.sort();
    let mut expected = vec![all.id, rooms_only.id];
    expected.sort();
    assert_eq!(pending, expected, "the inactive webhook gets nothing");

    let lease = std::time::Duration::from_secs(30);
    let first = engine
        .claim_outbox(all.id, "node-a", lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.entry, OutboxEntry::Event("{\"n\":1}".into()));
    assert_eq!(first.attempts, 0);
    let done = attempt(&all, DeliveryStatus::Succeeded, &first.entry);
    assert!(engine
        .settle_outbox(all.id, "node-a", &done, Settle::Done)
        .await
        .unwrap());
    let second = engine
        .claim_outbox(all.id, "node-a", lease)
        .await
        .unwrap()
        .unwrap();
    let OutboxEntry::Message { seq, message } = &second.entry else {
        panic!("the append queued {:?}", second.entry);
    };
    assert_eq!(*seq, 1);
    assert!(message.contains("hooked"));
    // A failed attempt keeps the head, due later, with its count.
    let later = Utc::now() + Duration::seconds(60);
    let failed = Delivery {
        attempt: 1,
        ..attempt(&all, DeliveryStatus::Failed, &second.entry)
    };
    assert!(engine
        .settle_outbox(all.id, "node-a", &failed, Settle::RetryAt(later))
        .await
        .unwrap());
    assert!(
        engine
            .claim_outbox(all.id, "node-a", lease)
            .await
            .unwrap()
            .is_none(),
        "not yet due"
    );

    let log = engine
        .list_deliveries(
            all.id,
            &PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(log.data.len(), 2);
    assert_eq!(log.data[0].status, DeliveryStatus::Failed, "newest first");
    let found = engine
        .get_delivery(all.id, &log.data[1].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.status, DeliveryStatus::Succeeded);
    assert!(engine.get_delivery(all.id, "junk").await.unwrap().is_none());

    // A replay goes to the end of the outbox; deleting takes the outbox along.
    engine
        .requeue_entry(rooms_only.id, &found.entry)
        .await
        .unwrap();
    assert!(engine.delete_webhook(&all).await.unwrap());
    assert!(!engine.delete_webhook(&all).await.unwrap());
    assert_eq!(engine.pending_webhooks().await.unwrap(), [rooms_only.id]);
}

async fn an_outbox_lease_admits_one_node_and_a_dead_nodes_lease_lapses(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random_in(shard());
    let hook = webhook(client, &["*"]);
    engine.create_webhook(&hook).await.unwrap();
    engine
        .enqueue_event(client, "room.created", "{}")
        .await
        .unwrap();
    let short = std::time::Duration::from_millis(300);
    let claimed = engine.claim_outbox(hook.id, "node-a", short).await.unwrap();
    assert!(claimed.is_some());
    assert!(engine
        .claim_outbox(hook.id, "node-b", short)
        .await
        .unwrap()
        .is_none());
    // Node a dies mid-attempt: its lease lapses and node b sends the head again.
    let started = Instant::now();
    let again = loop {
        if let Some(again) = engine.claim_outbox(hook.id, "node-b", short).await.unwrap() {
            break again;
        }
        assert!(started.elapsed() < DEADLINE, "the lease never lapsed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let done = attempt(&hook, DeliveryStatus::Succeeded, &again.entry);
    // Node a coming back late changes nothing: the lease is b's.
    assert!(!engine
        .settle_outbox(hook.id, "node-a", &done, Settle::Done)
        .await
        .unwrap());
    assert!(engine
        .settle_outbox(hook.id, "node-b", &done, Settle::Done)
        .await
        .unwrap());
    assert!(engine
        .claim_outbox(hook.id, "node-a", short)
        .await
        .unwrap()
        .is_none());
    let log = engine
        .list_deliveries(
            hook.id,
            &PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(log.data.len(), 1, "one attempt logged, one success");
}
