//! Notifications (`API.md` §7): sent with the master key, shown at once to connected
//! recipients on any node, kept in each recipient's inbox.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    helpers::{spawn_app, EngineKind, TestApp},
    ws_client::WsClient,
};

every_deployment!(
    a_notification_reaches_the_connected_user_and_every_inbox,
    reading_marks_one_entry_and_the_unread_filter_follows,
    a_room_notification_goes_to_the_members_at_sending_time,
    the_inbox_pages_newest_first_and_refuses_a_forged_cursor,
    notifications_refuse_scoped_senders_foreign_users_and_bad_bodies,
);

/// Sends from the last node: on a cluster, not the one the test's sockets use.
async fn notify(app: &TestApp, body: Value) -> Value {
    let reply = app
        .request_on(
            usize::MAX,
            Method::POST,
            "/notifications",
            Some(&app.master_key),
            Some(body),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    reply.body
}

async fn inbox(app: &TestApp, key: &str, query: &str) -> Vec<Value> {
    let reply = app.get(&format!("/notifications{query}"), key).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body["data"].as_array().unwrap().clone()
}

async fn a_notification_reaches_the_connected_user_and_every_inbox(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (online_id, online_key, _) = app.new_user().await;
    let (offline_id, offline_key, _) = app.new_user().await;
    let (mut socket, _) = WsClient::connect(&app, &online_key).await;

    let sent = notify(
        &app,
        json!({
            "user_ids": [online_id, offline_id],
            "title": "Maintenance",
            "body": "Tonight at 22:00",
            "data": {"link": "/status"},
            "priority": "high"
        }),
    )
    .await;
    assert_eq!(sent["recipients"], 2);
    assert_eq!(sent["delivered_online"], 1);
    let id = sent["id"].as_str().unwrap();

    let frame = socket.next_of("notification").await;
    assert_eq!(frame["data"]["id"], id);
    assert_eq!(frame["data"]["title"], "Maintenance");
    assert_eq!(frame["data"]["data"]["link"], "/status");
    assert_eq!(frame["data"]["priority"], "high");
    for key in [&online_key, &offline_key] {
        let entries = inbox(&app, key, "").await;
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0]["id"], id);
        assert_eq!(entries[0]["body"], "Tonight at 22:00");
        assert_eq!(entries[0]["is_read"], false);
    }
}

async fn reading_marks_one_entry_and_the_unread_filter_follows(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (ann_id, ann, _) = app.new_user().await;
    let (bob_id, bob, _) = app.new_user().await;
    let both = notify(
        &app,
        json!({"user_ids": [ann_id, bob_id], "title": "Both", "body": "b"}),
    )
    .await;
    let only_ann = notify(
        &app,
        json!({"user_ids": [ann_id], "title": "Ann", "body": "a"}),
    )
    .await;
    let both_id = both["id"].as_str().unwrap();

    let read = app
        .post(&format!("/notifications/{both_id}/read"), &ann, json!({}))
        .await;
    assert_eq!(read.status, 200, "{read:?}");
    assert_eq!(read.body["is_read"], true);
    let read_at = read.body["read_at"].clone();
    assert!(read_at.is_string());
    // A second read keeps the first time.
    let again = app
        .post(&format!("/notifications/{both_id}/read"), &ann, json!({}))
        .await;
    assert_eq!(again.body["read_at"], read_at);

    let unread = inbox(&app, &ann, "?unread=true").await;
    assert_eq!(unread.len(), 1);
    assert_eq!(unread[0]["id"], only_ann["id"]);
    let all = inbox(&app, &ann, "?unread=false").await;
    assert_eq!(all.len(), 2);
    // Bob's copy is still unread: reading is per recipient.
    assert_eq!(inbox(&app, &bob, "?unread=true").await.len(), 1);
    // Ann's own notification is not in Bob's inbox.
    let foreign = app
        .post(
            &format!("/notifications/{}/read", only_ann["id"].as_str().unwrap()),
            &bob,
            json!({}),
        )
        .await;
    foreign.assert_error(404, "NOTIFICATION_NOT_FOUND");
    app.post("/notifications/not-an-id/read", &bob, json!({}))
        .await
        .assert_error(404, "NOTIFICATION_NOT_FOUND");
}

async fn a_room_notification_goes_to_the_members_at_sending_time(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, owner, _) = app.new_user().await;
    let (_, member, _) = app.new_user().await;
    let (_, outsider, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "Team"})).await;
    app.join(&member, &room).await;

    let sent = notify(
        &app,
        json!({"room_id": room, "title": "Standup", "body": "now"}),
    )
    .await;
    assert_eq!(sent["recipients"], 2);
    assert_eq!(sent["delivered_online"], 0);
    assert_eq!(inbox(&app, &owner, "").await.len(), 1);
    assert_eq!(inbox(&app, &member, "").await.len(), 1);
    assert!(inbox(&app, &outsider, "").await.is_empty());
    // Joining later does not bring an older notification.
    app.join(&outsider, &room).await;
    assert!(inbox(&app, &outsider, "").await.is_empty());
}

async fn the_inbox_pages_newest_first_and_refuses_a_forged_cursor(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (user_id, key, _) = app.new_user().await;
    for n in 1..=3 {
        notify(
            &app,
            json!({"user_ids": [user_id], "title": format!("n{n}"), "body": "x"}),
        )
        .await;
    }
    let first = app.get("/notifications?limit=2", &key).await;
    assert_eq!(first.status, 200, "{first:?}");
    let titles: Vec<&str> = first.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["n3", "n2"]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!("/notifications?limit=2&cursor={cursor}"), &key)
        .await;
    assert_eq!(rest.body["data"][0]["title"], "n1");
    assert_eq!(rest.body["next_cursor"], Value::Null);

    let forged = app.get("/notifications?cursor=junk", &key).await;
    forged.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(forged.error_fields(), ["cursor"]);
}

async fn notifications_refuse_scoped_senders_foreign_users_and_bad_bodies(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (user_id, key, _) = app.new_user().await;
    let body = json!({"user_ids": [user_id], "title": "t", "body": "b"});
    app.post("/notifications", &key, body.clone())
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    app.get("/notifications", &app.master_key)
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");

    // A user of another client is unknown here, and nothing is sent to anyone.
    let (_, other_master) = app.register_client("Other").await;
    let foreign = app
        .post(
            "/users",
            &other_master,
            json!({"email": "x@example.com", "username": "foreigner"}),
        )
        .await;
    let foreign_id = foreign.body["id"].as_str().unwrap();
    app.post(
        "/notifications",
        &app.master_key,
        json!({"user_ids": [user_id, foreign_id], "title": "t", "body": "b"}),
    )
    .await
    .assert_error(404, "USER_NOT_FOUND");
    assert!(inbox(&app, &key, "").await.is_empty());

    let neither = app
        .post(
            "/notifications",
            &app.master_key,
            json!({"title": "t", "body": "b"}),
        )
        .await;
    neither.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(neither.error_fields(), ["user_ids"]);
    let bad = app
        .post(
            "/notifications",
            &app.master_key,
            json!({"user_ids": [user_id], "title": "", "body": "b", "priority": "urgent"}),
        )
        .await;
    bad.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(bad.error_fields(), ["title", "priority"]);
}
