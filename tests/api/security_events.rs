//! The audit trail: every authentication action leaves an event.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, EngineKind, TestApp};

every_deployment!(
    every_authentication_action_is_recorded,
    events_filter_and_page_newest_first,
    forwarded_addresses_count_only_from_trusted_proxies,
);

fn kinds(reply: &Value) -> Vec<String> {
    reply["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn every_authentication_action_is_recorded(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (user_id, first_key, email) = app.new_user().await;
    let key = app.login(&email).await;
    app.get("/users/me", &first_key)
        .await
        .assert_error(401, "INVALID_CREDENTIALS");
    app.get("/users", &key)
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    app.post("/users/logout", &key, json!({})).await;
    let rotated = app
        .post("/clients/me/rotate-key", &app.master_key, json!({}))
        .await;
    let master = rotated.body["master_api_key"].as_str().unwrap();

    let events = app.get("/security-events", master).await;
    assert_eq!(events.status, 200, "{events:?}");
    assert_eq!(
        kinds(&events.body),
        [
            "master_key.rotated",
            "key.revoked",
            "permission.denied",
            "auth.failed",
            "user.login",
            "user.created",
            "client.created",
        ]
    );
    let data = events.body["data"].as_array().unwrap();
    for event in data {
        assert!(
            event["at"].is_string() && event["id"].is_string(),
            "{event}"
        );
        assert_eq!(event["ip"], "127.0.0.1");
    }
    let failed = &data[3];
    assert_eq!(failed["user_id"], user_id.as_str());
    assert_eq!(failed["reason"], "revoked");
    let shown = failed["key_prefix"].as_str().unwrap();
    assert!(first_key.starts_with(shown) && shown.len() == 12, "{shown}");
    assert_eq!(data[1]["reason"], "logout");
    assert_eq!(data[4]["user_id"], user_id.as_str());
    // No event body ever holds a key.
    let text = events.body.to_string();
    for secret in [&first_key, &key, &app.master_key, &master.to_owned()] {
        assert!(!text.contains(&secret[8..]), "a key leaked into the events");
    }
}

async fn events_filter_and_page_newest_first(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (first, _, _) = app.new_user().await;
    let (second, _, _) = app.new_user().await;
    let (third, _, _) = app.new_user().await;

    let created = app
        .get("/security-events?type=user.created", &app.master_key)
        .await;
    assert_eq!(kinds(&created.body), ["user.created"; 3]);

    let mut users = Vec::new();
    let mut path = "/security-events?type=user.created&limit=1".to_owned();
    loop {
        let page = app.get(&path, &app.master_key).await;
        let data = page.body["data"].as_array().unwrap();
        assert!(data.len() <= 1);
        users.extend(
            data.iter()
                .map(|e| e["user_id"].as_str().unwrap().to_owned()),
        );
        match page.body["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/security-events?type=user.created&limit=1&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(users, [third, second, first.clone()]);

    let one_user = app
        .get(
            &format!("/security-events?user_id={first}"),
            &app.master_key,
        )
        .await;
    assert_eq!(kinds(&one_user.body), ["user.created"]);

    let bad = app
        .get("/security-events?type=nonsense&user_id=x", &app.master_key)
        .await;
    bad.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(bad.error_fields(), ["type", "user_id"]);

    let (_, other_master) = app.register_client("Other").await;
    let theirs = app.get("/security-events", &other_master).await;
    assert_eq!(kinds(&theirs.body), ["client.created"]);
}

/// Creates a user through `app`'s first node claiming to be forwarded for 203.0.113.7
/// (behind a proxy at 198.51.100.9); returns the `ip` its `user.created` event recorded.
async fn recorded_ip(app: &TestApp) -> Value {
    let name = format!("u{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let response = app
        .http
        .post(format!("{}/users", app.base))
        .bearer_auth(&app.master_key)
        .header("X-Forwarded-For", "203.0.113.7, 198.51.100.9")
        .json(&json!({"email": format!("{name}@example.com"), "username": name}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let events = app
        .get(
            "/security-events?type=user.created&limit=1",
            &app.master_key,
        )
        .await;
    events.body["data"][0]["ip"].clone()
}

async fn forwarded_addresses_count_only_from_trusted_proxies(engine: EngineKind) {
    let untrusting = spawn_app(engine).await;
    assert_eq!(recorded_ip(&untrusting).await, "127.0.0.1");

    let behind_proxies = spawn_app_with(engine, |s| {
        s.trusted_proxies = vec![
            "127.0.0.1/32".parse().unwrap(),
            "198.51.100.0/24".parse().unwrap(),
        ];
    })
    .await;
    assert_eq!(recorded_ip(&behind_proxies).await, "203.0.113.7");
}
