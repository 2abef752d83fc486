//! The Redis key layout that makes the engine ready for Redis Cluster (`keys.rs`): a
//! tenant's keys all carry its shard as their hash tag, and the few untagged ones are
//! the documented kinds, each of which lapses.

use std::collections::HashSet;

use serde_json::json;

use crate::helpers::{spawn_app_with, EngineKind, TestApp};

/// Keys outside every tenant's slot, after the prefix: a key's locator, the shards
/// with webhooks or deletions, a node's presence and connection sets, an address's
/// rate bucket.
fn is_untagged_kind(name: &str) -> bool {
    name.starts_with("key:")
        || name == "webhooks:shards"
        || name == "purges:shards"
        || name.starts_with("node:")
        || name.starts_with("rate:authfail:")
}

/// One of everything a tenant can hold, made through the API.
async fn fill(app: &TestApp) {
    let (_, owner, email) = app.new_user().await;
    let (member_id, member, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "layout"})).await;
    app.join(&member, &room).await;
    let message = app.send(&member, &room, "hello").await;
    let id = message["id"].as_str().unwrap();
    let reacted = app
        .post(
            &format!("/messages/{id}/reactions"),
            &member,
            json!({"emoji": "👍"}),
        )
        .await;
    assert_eq!(reacted.status, 200, "{reacted:?}");
    let direct = app
        .post("/rooms/direct", &owner, json!({"user_id": member_id}))
        .await;
    assert!(direct.status < 300, "{direct:?}");
    let webhook = app
        .post(
            "/webhooks",
            &app.master_key,
            json!({"url": "http://127.0.0.1:9/hook", "events": ["*"]}),
        )
        .await;
    assert_eq!(webhook.status, 201, "{webhook:?}");
    let notified = app
        .post(
            "/notifications",
            &app.master_key,
            json!({"room_id": room, "title": "t", "body": "b"}),
        )
        .await;
    assert_eq!(notified.status, 201, "{notified:?}");
    app.login(&email).await;
    let (gone_id, gone, _) = app.new_user().await;
    let doomed = app.create_room(&gone, json!({"name": "doomed"})).await;
    let deleted = app.delete(&format!("/rooms/{doomed}"), &gone).await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    let deleted = app
        .delete(&format!("/users/{gone_id}"), &app.master_key)
        .await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    let read = app
        .post(&format!("/rooms/{room}/read"), &member, json!({"seq": 1}))
        .await;
    assert_eq!(read.status, 200, "{read:?}");
}

#[actix_web::test]
async fn a_tenants_keys_share_its_hash_tag_and_only_lapsing_keys_are_untagged() {
    let app = spawn_app_with(EngineKind::Redis, |settings| {
        settings.webhooks_allow_private = true;
    })
    .await;
    let redis = app.redis.as_ref().unwrap();
    fill(&app).await;
    let rotated = app
        .post("/clients/me/rotate-key", &app.master_key, json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{rotated:?}");
    let live_master = rotated.body["master_api_key"].as_str().unwrap();

    let tag = format!("{{{}}}:", &app.client_id[..4]);
    let mut conn = redis.connection();
    let mut untagged = HashSet::new();
    for key in redis.keys(&app.prefix) {
        let name = key.strip_prefix(&app.prefix).unwrap();
        if name.starts_with(&tag) {
            continue;
        }
        assert!(
            is_untagged_kind(name),
            "{key} is neither tagged nor a known kind"
        );
        untagged.insert(name.to_owned());
    }
    // Six keys were issued (the master key, three users', a login's, the rotation's),
    // so six locators; every one lapses but the live master key's.
    let live_locator = format!("key:{}", hex_sha256(live_master));
    let locators: Vec<&String> = untagged.iter().filter(|n| n.starts_with("key:")).collect();
    assert_eq!(locators.len(), 6, "{untagged:?}");
    for name in locators {
        let ttl: i64 = redis::cmd("PTTL")
            .arg(format!("{}{name}", app.prefix))
            .query(&mut conn)
            .unwrap();
        if *name == live_locator {
            assert_eq!(ttl, -1, "the live master key's locator must stay");
        } else {
            assert!(ttl > 0, "{name} never lapses");
        }
    }
}

fn hex_sha256(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(text.as_bytes()))
}
