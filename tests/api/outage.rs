//! A Redis outage: clear 503s while Redis is down, recovery by itself when it returns,
//! and nothing acknowledged lost.

use reqwest::Method;
use serde_json::json;

use crate::{
    helpers::{spawn_app, EngineKind, Reply, LOGS},
    ws_client::WsClient,
};

#[actix_web::test]
async fn a_redis_restart_gives_503s_then_recovers_with_nothing_lost() {
    let mut app = spawn_app(EngineKind::Redis).await;
    let mut users = Vec::new();
    for _ in 0..5 {
        users.push(app.new_user().await);
    }

    app.redis.as_mut().unwrap().kill();
    let down = app.get("/users", &app.master_key).await;
    down.assert_error(503, "SERVICE_UNAVAILABLE");
    assert_eq!(down.headers["retry-after"], "1");
    app.request(Method::GET, "/ready", None, None)
        .await
        .assert_error(503, "SERVICE_UNAVAILABLE");
    let (_, _, email) = &users[0];
    app.post("/users/login", &app.master_key, json!({ "email": email }))
        .await
        .assert_error(503, "SERVICE_UNAVAILABLE");
    let health = app.request(Method::GET, "/health", None, None).await;
    assert_eq!(health.status, 200, "the process stays alive");

    app.redis.as_mut().unwrap().restart();
    app.eventually("the node to be ready again", || async {
        app.request(Method::GET, "/ready", None, None).await.status == 200
    })
    .await;

    let listed = app.get("/users", &app.master_key).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    let ids: Vec<_> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<_> = users.iter().map(|(id, _, _)| id.clone()).collect();
    assert_eq!(ids, expected);
    for (_, key, _) in &users {
        assert_eq!(app.get("/users/me", key).await.status, 200);
    }
    let key = app.login(email).await;
    assert_eq!(app.get("/users/me", &key).await.status, 200);
    app.get("/users/me", &users[0].1)
        .await
        .assert_error(401, "INVALID_CREDENTIALS");
}

/// Redis forgets its scripts when it restarts without a save, or on `SCRIPT FLUSH`.
/// Sends committed together then meet `NOSCRIPT`; each must still be stored once, in
/// the order its sender sent it.
#[actix_web::test]
async fn sends_after_redis_forgot_its_scripts_are_each_stored_once_in_order() {
    let app = crate::helpers::spawn_unlimited(EngineKind::Redis).await;
    let (_, owner, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "Forgetful"})).await;
    app.send(&owner, &room, "before").await;
    let (mut socket, _) = WsClient::connect(&app, &owner).await;
    let redis = app.redis.as_ref().unwrap();
    assert_eq!(redis.command("SCRIPT FLUSH"), "+OK");

    // Sent without waiting, so the room commits them in batches.
    let contents: Vec<String> = (0..20).map(|n| format!("after {n}")).collect();
    for (n, content) in contents.iter().enumerate() {
        let data = json!({"room_id": room, "content": content});
        socket
            .send_raw(json!({"type": "message.send", "id": format!("s{n}"), "data": data}))
            .await;
    }
    for n in 0..contents.len() {
        let id = format!("s{n}");
        let answer = socket.next(|f| f["id"] == id.as_str()).await;
        assert_eq!(answer["type"], "ack", "{answer}");
    }
    let history = app
        .get(&format!("/rooms/{room}/messages?limit=100"), &owner)
        .await;
    assert_eq!(history.status, 200, "{history:?}");
    let mut stored: Vec<(u64, String)> = history.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["seq"].as_u64().unwrap(),
                m["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    stored.sort_unstable();
    let expected: Vec<(u64, String)> = std::iter::once("before".to_owned())
        .chain(contents)
        .enumerate()
        .map(|(at, content)| (at as u64 + 1, content))
        .collect();
    assert_eq!(stored, expected);
}

#[actix_web::test]
async fn a_node_starts_while_redis_is_down_and_serves_once_it_is_up() {
    let mut redis = crate::helpers::RedisServer::start();
    redis.kill();
    let settings = chatapi::config::Settings {
        port: 0,
        workers: 1,
        redis_url: Some(chatapi::config::Secret::new(redis.url())),
        redis_prefix: format!("test:{}:", uuid::Uuid::new_v4()),
        ..Default::default()
    };
    let (base, _stopper) = crate::helpers::start_node(settings).await;
    let http = reqwest::Client::new();
    let ready = http.get(format!("{base}/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let registration = http
        .post(format!("{base}/clients"))
        .json(&json!({"name": "Early"}))
        .send()
        .await
        .unwrap();
    assert_eq!(registration.status(), 503);
    redis.restart();
    let started = std::time::Instant::now();
    loop {
        let ready = http.get(format!("{base}/ready")).send().await.unwrap();
        if ready.status() == 200 {
            break;
        }
        assert!(
            started.elapsed() < crate::helpers::DEADLINE,
            "never became ready"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let registration = http
        .post(format!("{base}/clients"))
        .json(&json!({"name": "Late"}))
        .send()
        .await
        .unwrap();
    assert_eq!(registration.status(), 201);
}

#[actix_web::test]
async fn every_503_carries_retry_after_and_the_documented_body() {
    let mut app = spawn_app(EngineKind::Redis).await;
    let (user_id, key, email) = app.new_user().await;
    let room = app.create_room(&key, json!({"name": "Ops"})).await;
    let message = app.send(&key, &room, "before").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let master = app.master_key.clone();

    app.redis.as_mut().unwrap().kill();
    let answers: Vec<(&str, Reply)> = vec![
        (
            "GET /ready",
            app.request(Method::GET, "/ready", None, None).await,
        ),
        (
            "POST /clients",
            app.request(Method::POST, "/clients", None, Some(json!({"name": "X"})))
                .await,
        ),
        ("GET /clients/me", app.get("/clients/me", &master).await),
        ("GET /users", app.get("/users", &master).await),
        (
            "PATCH /users/{id}",
            app.patch(
                &format!("/users/{user_id}"),
                &master,
                json!({"full_name": "N"}),
            )
            .await,
        ),
        (
            "POST /users/login",
            app.post("/users/login", &master, json!({ "email": email }))
                .await,
        ),
        ("GET /users/me", app.get("/users/me", &key).await),
        (
            "POST /rooms",
            app.post("/rooms", &master, json!({"name": "Y"})).await,
        ),
        (
            "GET /rooms/{id}/messages",
            app.get(&format!("/rooms/{room}/messages"), &key).await,
        ),
        (
            "POST /messages",
            app.post("/messages", &key, json!({"room_id": room, "content": "hi"}))
                .await,
        ),
        (
            "PATCH /messages/{id}",
            app.patch(
                &format!("/messages/{message}"),
                &key,
                json!({"content": "x"}),
            )
            .await,
        ),
        ("GET /ws", app.handshake(Some(&key), &[]).await),
    ];
    for (route, answer) in answers {
        assert_eq!(answer.status, 503, "{route}: {answer:?}");
        answer.assert_error(503, "SERVICE_UNAVAILABLE");
        assert_eq!(answer.headers["retry-after"], "1", "{route}");
    }
}

#[actix_web::test]
async fn a_5xx_on_a_websocket_is_reported_and_logged_like_a_rest_one() {
    let mut app = spawn_app(EngineKind::Redis).await;
    let (user_id, key, _) = app.new_user().await;
    let room = app.create_room(&key, json!({"name": "Ops"})).await;
    let (mut client, _) = WsClient::connect(&app, &key).await;

    app.redis.as_mut().unwrap().kill();
    let rest = app
        .post("/messages", &key, json!({"room_id": room, "content": "hi"}))
        .await;
    rest.assert_error(503, "SERVICE_UNAVAILABLE");
    let frame = client
        .request("message.send", json!({"room_id": room, "content": "hi"}))
        .await;
    assert_eq!(frame["type"], "error", "{frame}");
    assert_eq!(
        frame["data"]["error_code"], "SERVICE_UNAVAILABLE",
        "{frame}"
    );
    assert_eq!(frame["data"]["status_code"], 503, "{frame}");

    let logs = String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned();
    let failed = |tag: &str| -> Vec<String> {
        logs.lines()
            .filter(|line| line.contains("request failed") && line.contains(tag))
            .map(str::to_owned)
            .collect()
    };
    let request_id = rest.headers["x-request-id"].to_str().unwrap();
    let rest_lines = failed(&format!("request_id={request_id}"));
    let ws_lines = failed(&format!("user_id={user_id}"));
    assert_eq!(rest_lines.len(), 1, "{rest_lines:?}");
    assert_eq!(
        ws_lines.len(),
        1,
        "one error line for the frame: {ws_lines:?}"
    );
    for line in rest_lines.iter().chain(&ws_lines) {
        for part in [
            " ERROR ",
            "error.code=ServiceUnavailable",
            "error.at=src/",
            "error.cause_chain=Some(",
        ] {
            assert!(line.contains(part), "{part} missing from {line}");
        }
    }
    assert!(
        ws_lines[0].contains("WebSocket session{session_id="),
        "{}",
        ws_lines[0]
    );
}
