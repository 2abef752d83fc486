//! Races that atomic writes must win: many logins of one user, many creations with
//! one email.

use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_unlimited, EngineKind};

every_deployment!(
    fifty_concurrent_logins_leave_exactly_one_live_key,
    fifty_concurrent_creations_with_one_email_make_one_user,
);

async fn fifty_concurrent_logins_leave_exactly_one_live_key(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let (_, first_key, email) = app.new_user().await;
    let logins =
        (0..50).map(|_| app.post("/users/login", &app.master_key, json!({ "email": email })));
    let replies = join_all(logins).await;
    let mut keys: Vec<String> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, 200, "{r:?}");
            r.body["scoped_api_key"].as_str().unwrap().to_owned()
        })
        .collect();
    keys.push(first_key);
    let checks = keys.iter().map(|key| app.get("/users/me", key));
    let statuses: Vec<u16> = join_all(checks).await.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 401).count(),
        50,
        "{statuses:?}"
    );
}

async fn fifty_concurrent_creations_with_one_email_make_one_user(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let creations = (0..50).map(|i| {
        app.post(
            "/users",
            &app.master_key,
            json!({"email": "race@example.com", "username": format!("racer{i}")}),
        )
    });
    let replies = join_all(creations).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 1);
    for reply in replies.iter().filter(|r| r.status != 201) {
        reply.assert_error(409, "EMAIL_TAKEN");
    }
    let listed = app.get("/users?q=racer", &app.master_key).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
}
