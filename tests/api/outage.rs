//! A Redis outage: clear 503s while Redis is down, recovery by itself when it returns,
//! and nothing acknowledged lost.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, EngineKind};

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
