//! The engine seam itself: the invariants of `engine/mod.rs`, checked on both back ends
//! through `Arc<dyn Engine>` with no HTTP in between.

use std::sync::Arc;

use chatapi::{
    auth::keys::issue,
    domain::{
        client::Client,
        ids::{ClientId, UserId},
        keys::KeyOwner,
        user::{Email, User, Username},
    },
    engine::{memory::MemoryEngine, redis::RedisEngine, Rotation, SharedEngine, Update},
};
use chrono::{Duration, Utc};

use crate::helpers::{EngineKind, RedisServer};

both_engines!(
    rotation_leaves_one_live_key_and_tombstones_the_rest,
    rotation_refuses_missing_and_disabled_owners,
    update_user_is_compare_and_set,
    revoke_user_key_revokes_only_the_named_key,
);

async fn engine(kind: EngineKind) -> (SharedEngine, Option<RedisServer>) {
    match kind {
        EngineKind::Memory => (Arc::new(MemoryEngine::new()), None),
        EngineKind::Redis => {
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
