//! Client applications: registration, the admin token, `me`, and master key rotation.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, EngineKind};

every_deployment!(
    registration_shows_the_master_key_once,
    registration_validates_its_fields,
    an_admin_token_guards_registration,
    a_client_renames_itself,
    master_key_rotation_refuses_the_old_key_at_once,
);

async fn registration_shows_the_master_key_once(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let reply = app
        .request(
            Method::POST,
            "/clients",
            None,
            Some(json!({"name": "My Chat App", "description": "Customer support chat system"})),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.body["name"], "My Chat App");
    assert_eq!(reply.body["description"], "Customer support chat system");
    assert_eq!(reply.body["is_active"], true);
    assert!(reply.body["created_at"].is_string());
    let key = reply.body["master_api_key"].as_str().unwrap();
    assert!(key.starts_with("ck_live_") && key.len() == 48, "{key}");
    assert!(key[8..].chars().all(|c| c.is_ascii_alphanumeric()));

    let me = app.get("/clients/me", key).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], reply.body["id"]);
    assert!(me.body.get("master_api_key").is_none());
}

async fn registration_validates_its_fields(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let reply = app
        .request(
            Method::POST,
            "/clients",
            None,
            Some(json!({"name": " ", "description": "d".repeat(1001)})),
        )
        .await;
    reply.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(reply.error_fields(), ["name", "description"]);
    let long = app
        .request(
            Method::POST,
            "/clients",
            None,
            Some(json!({"name": "n".repeat(101)})),
        )
        .await;
    assert_eq!(long.error_fields(), ["name"]);
}

async fn an_admin_token_guards_registration(engine: EngineKind) {
    let token = "admin-token-for-tests-0123456789";
    let app = spawn_app_with(engine, |s| {
        s.admin_token = Some(chatapi::config::Secret::new(token));
    })
    .await;
    let body = Some(json!({"name": "Guarded"}));
    app.request(Method::POST, "/clients", None, body.clone())
        .await
        .assert_error(401, "INVALID_CREDENTIALS");
    app.request(
        Method::POST,
        "/clients",
        Some("wrong-token-wrong-token"),
        body.clone(),
    )
    .await
    .assert_error(401, "INVALID_CREDENTIALS");
    let reply = app
        .request(Method::POST, "/clients", Some(token), body)
        .await;
    assert_eq!(reply.status, 201);
}

async fn a_client_renames_itself(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let reply = app
        .patch(
            "/clients/me",
            &app.master_key,
            json!({"name": "Renamed", "description": "Now described"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["name"], "Renamed");
    let me = app.get("/clients/me", &app.master_key).await;
    assert_eq!(me.body["name"], "Renamed");
    assert_eq!(me.body["description"], "Now described");
    app.patch("/clients/me", &app.master_key, json!({"name": ""}))
        .await
        .assert_error(422, "VALIDATION_ERROR");
}

async fn master_key_rotation_refuses_the_old_key_at_once(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, user_key, _) = app.new_user().await;
    let reply = app
        .post("/clients/me/rotate-key", &app.master_key, json!({}))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(reply.body["rotated_at"].is_string());
    let new_key = reply.body["master_api_key"].as_str().unwrap();
    assert!(new_key.starts_with("ck_live_"));
    app.get("/users", &app.master_key)
        .await
        .assert_error(401, "INVALID_CREDENTIALS");
    assert_eq!(app.get("/users", new_key).await.status, 200);
    // Users' keys are untouched by a master rotation.
    assert_eq!(app.get("/users/me", &user_key).await.status, 200);
    let events = app
        .get("/security-events?type=master_key.rotated", new_key)
        .await;
    assert_eq!(events.body["data"].as_array().unwrap().len(), 1);
    app.post("/clients/me/rotate-key", &user_key, json!({}))
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
}
