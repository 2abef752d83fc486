//! The engine seam itself: the invariants of `engine/mod.rs`, checked on both back ends
//! through `Arc<dyn Engine>` with no HTTP in between.

use std::sync::Arc;

use chatapi::{
    core::auth::keys::issue,
    domain::{
        client::Client,
        ids::{ClientId, MessageId, RoomId, SessionId, UserId},
        keys::KeyOwner,
        message::{Appended, HistoryRange, Message},
        page::PageRequest,
        room::{Membership, Role, Room, RoomType},
        user::{Email, User, Username},
    },
    engine::{memory::MemoryEngine, redis::RedisEngine, AddMember, Rotation, SharedEngine, Update},
};
use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::{EngineKind, RedisServer};

both_engines!(
    rotation_leaves_one_live_key_and_tombstones_the_rest,
    rotation_refuses_missing_and_disabled_owners,
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
);

async fn engine(kind: EngineKind) -> (SharedEngine, Option<RedisServer>) {
    match kind {
        EngineKind::Memory => (Arc::new(MemoryEngine::new()), None),
        // The contract suite runs on single engines; a cluster is the API suites' concern.
        EngineKind::Redis | EngineKind::Cluster => {
            let redis = RedisServer::start();
            let prefix = format!("contract:{}:", uuid::Uuid::new_v4());
            let engine = RedisEngine::new(&redis.url(), &prefix).unwrap();
            (Arc::new(engine), Some(redis))
        }
    }
}

/// A stored client with one stored user; returns both.
async fn client_with_user(engine: &SharedEngine) -> (Client, User) {
    let now = Utc::now();
    let client = Client {
        id: ClientId::random(),
        name: "Contract".into(),
        description: None,
        is_active: true,
        created_at: now,
        updated_at: now,
    };
    let master = issue(KeyOwner::Client(client.id), now, None);
    engine.create_client(&client, &master.record).await.unwrap();
    let user = User {
        id: UserId::random(),
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
    let id = UserId::random();
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
        let rotation = engine.rotate_key(&key.record, Utc::now()).await.unwrap();
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
        user: UserId::random(),
    };
    let key = issue(stranger, Utc::now(), None);
    assert_eq!(
        engine.rotate_key(&key.record, Utc::now()).await.unwrap(),
        Rotation::OwnerGone
    );
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
    let rotation = engine.rotate_key(&key.record, Utc::now()).await.unwrap();
    assert_eq!(rotation, Rotation::OwnerDisabled);
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
    engine.rotate_key(&key.record, Utc::now()).await.unwrap();
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
        id: RoomId::random(),
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
        id: MessageId::random(),
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
    match engine.append_message(message).await.unwrap() {
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
    let room = store_room(&engine, new_room(ClientId::random()), &[]).await;
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
    let room = store_room(&engine, new_room(ClientId::random()), &[]).await;
    let first = Message {
        client_msg_id: Some("cm-1".into()),
        ..new_message(&room, "first")
    };
    let original = append_new(&engine, &first).await;
    let resend = Message {
        id: MessageId::random(),
        content: "resent".into(),
        ..first.clone()
    };
    let again = engine.append_message(&resend).await.unwrap();
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
    let client = ClientId::random();
    let room = store_room(&engine, new_room(client), &[UserId::random()]).await;
    let second = membership(&room, stored_user(&engine, client).await, Utc::now());
    assert_eq!(
        engine.add_member(&second, 2).await.unwrap(),
        AddMember::Added
    );
    assert_eq!(
        engine.add_member(&second, 3).await.unwrap(),
        AddMember::AlreadyMember
    );
    let third = membership(&room, stored_user(&engine, client).await, Utc::now());
    assert_eq!(engine.add_member(&third, 2).await.unwrap(), AddMember::Full);
    let deleted = membership(&room, UserId::random(), Utc::now());
    assert_eq!(
        engine.add_member(&deleted, 9).await.unwrap(),
        AddMember::UserGone
    );
    let (_, stats) = engine.get_room(room.id).await.unwrap().unwrap();
    assert_eq!(stats.member_count, 2);
    let unsaved = new_room(client);
    let stray = membership(&unsaved, UserId::random(), Utc::now());
    assert_eq!(
        engine.add_member(&stray, 2).await.unwrap(),
        AddMember::RoomGone
    );
}

async fn mark_read_only_moves_forward_and_leaving_forgets_it(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let client = ClientId::random();
    let user = stored_user(&engine, client).await;
    let room = store_room(&engine, new_room(client), &[user]).await;
    assert_eq!(engine.mark_read(room.id, user, 5).await.unwrap(), Some(5));
    assert_eq!(engine.mark_read(room.id, user, 3).await.unwrap(), Some(5));
    // Exact at the top of the range, where a double would round.
    let top = engine.mark_read(room.id, user, u64::MAX).await.unwrap();
    assert_eq!(top, Some(u64::MAX));
    let stranger = UserId::random();
    assert_eq!(engine.mark_read(room.id, stranger, 1).await.unwrap(), None);
    let member = engine.get_member(room.id, user).await.unwrap().unwrap();
    assert_eq!(member.last_read_seq, u64::MAX);

    assert!(engine.remove_member(room.id, user).await.unwrap());
    assert!(!engine.remove_member(room.id, user).await.unwrap());
    let rejoin = membership(&room, user, Utc::now());
    assert_eq!(
        engine.add_member(&rejoin, 10).await.unwrap(),
        AddMember::Added
    );
    let member = engine.get_member(room.id, user).await.unwrap().unwrap();
    assert_eq!(member.last_read_seq, 0);
}

async fn list_messages_reads_before_and_after_ranges_in_order(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let room = store_room(&engine, new_room(ClientId::random()), &[]).await;
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
    assert!(
        history(&engine, RoomId::random(), HistoryRange::After(0), 10)
            .await
            .is_empty()
    );
}

async fn update_message_is_compare_and_set_and_keeps_metadata_exact(kind: EngineKind) {
    let (engine, _redis) = engine(kind).await;
    let room = store_room(&engine, new_room(ClientId::random()), &[]).await;
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
    let (a, b) = (UserId::random(), UserId::random());
    let direct = || Room {
        room_type: RoomType::Direct,
        ..new_room(ClientId::random())
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
    let client = ClientId::random();
    let mut users = vec![UserId::random(), UserId::random()];
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
    let other = UserId::random();
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
    let users: Vec<UserId> = (0..5).map(|_| UserId::random()).collect();
    let room = store_room(&engine, new_room(ClientId::random()), &users).await;
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
    let (client, user) = (ClientId::random(), UserId::random());
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
    let room = RoomId::random();
    let (ann, bob) = (UserId::random(), UserId::random());
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
