//! Webhooks (`API.md` §7) against a real HTTP receiver on a free port: signed,
//! retried with backoff, in order, once per success, and never in chat's way.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{free_port, spawn_app, spawn_app_with, unlimited, EngineKind, TestApp};

every_deployment!(
    a_loopback_url_is_refused_without_the_setting,
    webhooks_are_managed_with_the_master_key_and_show_the_secret_once,
    deliveries_are_signed_retried_logged_replayed_and_in_seq_order,
    a_hanging_receiver_does_not_slow_sending,
    a_healthy_receiver_gets_each_message_soon_after_its_send,
    room_user_and_notification_events_reach_the_webhooks_that_ask,
);

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    event_id: String,
    signature: String,
    body: Value,
    raw: String,
    answered: u16,
    at: Instant,
}

#[derive(Clone, Copy)]
enum Behaviour {
    /// Answer 500 to this many requests, then 200.
    FailFirst(usize),
    /// Never answer.
    Hang,
}

struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(behaviour: Behaviour) -> Self {
        let port = free_port();
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let shared = got.clone();
        let server = HttpServer::new(move || {
            let got = shared.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: String| {
                let got = got.clone();
                async move {
                    if let Behaviour::Hang = behaviour {
                        actix_web::rt::time::sleep(Duration::from_secs(3600)).await;
                    }
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    let mut got = got.lock().unwrap();
                    let answered = match behaviour {
                        Behaviour::FailFirst(n) if got.len() < n => 500,
                        _ => 200,
                    };
                    got.push(Received {
                        event_id: header("X-ChatAPI-Event-Id"),
                        signature: header("X-ChatAPI-Signature"),
                        body: serde_json::from_str(&body).unwrap_or(Value::Null),
                        raw: body,
                        answered,
                        at: Instant::now(),
                    });
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(answered).unwrap())
                        .finish()
                }
            }))
        })
        .workers(1)
        .bind(("127.0.0.1", port))
        .unwrap()
        .run();
        actix_web::rt::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            got,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn successes(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.answered == 200)
            .collect()
    }
}

/// Webhooks may reach the test's local receivers, and retry quickly.
fn local_receivers(settings: &mut chatapi::config::Settings) {
    unlimited(settings);
    settings.webhooks_allow_private = true;
    settings.webhooks_retry_base = Duration::from_millis(100);
}

async fn create_webhook(app: &TestApp, url: &str, events: Value) -> Value {
    let reply = app
        .post(
            "/webhooks",
            &app.master_key,
            json!({"url": url, "events": events}),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    reply.body
}

fn assert_signed(received: &Received, secret: &str) {
    let (t, v1) = received
        .signature
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
        .unwrap_or_else(|| panic!("bad signature header {:?}", received.signature));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", received.raw).as_bytes());
    assert_eq!(v1, hex::encode(mac.finalize().into_bytes()), "signature");
}

async fn a_loopback_url_is_refused_without_the_setting(engine: EngineKind) {
    let app = spawn_app(engine).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://10.0.0.1/x",
        "ftp://example.com/",
    ] {
        let reply = app
            .post(
                "/webhooks",
                &app.master_key,
                json!({"url": url, "events": ["*"]}),
            )
            .await;
        reply.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(reply.error_fields(), ["url"], "{url}");
    }
}

async fn webhooks_are_managed_with_the_master_key_and_show_the_secret_once(engine: EngineKind) {
    let app = spawn_app_with(engine, local_receivers).await;
    let (_, key, _) = app.new_user().await;
    let url = "http://127.0.0.1:9/hook";
    app.post("/webhooks", &key, json!({"url": url, "events": ["*"]}))
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    let bad = app
        .post(
            "/webhooks",
            &app.master_key,
            json!({"url": url, "events": ["room.exploded"]}),
        )
        .await;
    bad.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(bad.error_fields(), ["events"]);

    let created = create_webhook(&app, url, json!(["message.created", "room.created"])).await;
    let id = created["id"].as_str().unwrap();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    let read = app.get(&format!("/webhooks/{id}"), &app.master_key).await;
    assert_eq!(read.status, 200, "{read:?}");
    assert_eq!(
        read.body["events"],
        json!(["message.created", "room.created"])
    );
    assert!(
        read.body.get("secret").is_none(),
        "the secret is shown once"
    );
    let list = app.get("/webhooks", &app.master_key).await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);

    let patched = app
        .patch(
            &format!("/webhooks/{id}"),
            &app.master_key,
            json!({"events": ["*"], "is_active": false}),
        )
        .await;
    assert_eq!(patched.status, 200, "{patched:?}");
    assert_eq!(patched.body["events"], json!(["*"]));
    assert_eq!(patched.body["is_active"], false);

    // Another client cannot see it.
    let (_, other) = app.register_client("Other").await;
    app.get(&format!("/webhooks/{id}"), &other)
        .await
        .assert_error(404, "WEBHOOK_NOT_FOUND");

    let deleted = app
        .delete(&format!("/webhooks/{id}"), &app.master_key)
        .await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    app.get(&format!("/webhooks/{id}"), &app.master_key)
        .await
        .assert_error(404, "WEBHOOK_NOT_FOUND");
}

async fn deliveries_are_signed_retried_logged_replayed_and_in_seq_order(engine: EngineKind) {
    let app = spawn_app_with(engine, local_receivers).await;
    let receiver = Receiver::start(Behaviour::FailFirst(3)).await;
    let hook = create_webhook(&app, &receiver.url, json!(["message.created"])).await;
    let (hook_id, secret) = (
        hook["id"].as_str().unwrap(),
        hook["secret"].as_str().unwrap(),
    );
    let (_, owner, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "Hooked"})).await;
    // Over random nodes on a cluster.
    for n in 1..=20 {
        app.send(&owner, &room, &format!("m{n}")).await;
    }
    app.eventually("20 successful deliveries", || async {
        receiver.successes().len() >= 20
    })
    .await;
    let received = receiver.received();
    // The first event failed three times and succeeded on the fourth, with one id.
    let first_id = &received[0].event_id;
    assert!(first_id.starts_with("evt_"), "{first_id}");
    assert!(
        received[..4].iter().all(|r| &r.event_id == first_id),
        "{received:?}"
    );
    assert_eq!(received[3].answered, 200);
    let successes = receiver.successes();
    assert_eq!(
        successes.len(),
        20,
        "each event succeeds once: {successes:?}"
    );
    for (n, success) in successes.iter().enumerate() {
        assert_signed(success, secret);
        let body = &success.body;
        assert_eq!(body["id"], success.event_id.as_str());
        assert_eq!(body["event"], "message.created");
        assert_eq!(body["client_id"], app.client_id.as_str());
        assert_eq!(body["data"]["seq"], n as u64 + 1, "in seq order");
        assert_eq!(body["data"]["content"], format!("m{}", n + 1));
        assert!(body["created_at"].is_string());
    }

    // The receiver answers before the attempt is logged: wait for the log to settle.
    let log_path = format!("/webhooks/{hook_id}/deliveries?limit=200");
    app.eventually("every attempt logged", || async {
        let log = app.get(&log_path, &app.master_key).await;
        log.body["data"].as_array().map_or(0, Vec::len) >= 23
    })
    .await;
    let log = app.get(&log_path, &app.master_key).await;
    assert_eq!(log.status, 200, "{log:?}");
    let attempts = log.body["data"].as_array().unwrap();
    assert_eq!(attempts.len(), 23, "three failures and twenty successes");
    let oldest = attempts.last().unwrap();
    assert_eq!(oldest["status"], "failed");
    assert_eq!(oldest["response_code"], 500);
    assert_eq!(oldest["attempt"], 1);
    assert_eq!(oldest["event_id"], first_id.as_str());
    assert!(oldest["latency_ms"].is_number() && oldest["at"].is_string());
    assert_eq!(attempts[0]["status"], "succeeded");

    let delivery = attempts[0]["id"].as_str().unwrap();
    let replay = app
        .post(
            &format!("/webhooks/{hook_id}/deliveries/{delivery}/replay"),
            &app.master_key,
            json!({}),
        )
        .await;
    assert_eq!(replay.status, 202, "{replay:?}");
    let replayed_id = attempts[0]["event_id"].as_str().unwrap().to_owned();
    app.eventually("the replay", || async { receiver.successes().len() == 21 })
        .await;
    assert_eq!(
        receiver.successes()[20].event_id,
        replayed_id,
        "same event id"
    );
    app.post(
        &format!("/webhooks/{hook_id}/deliveries/0-999999/replay"),
        &app.master_key,
        json!({}),
    )
    .await
    .assert_error(404, "WEBHOOK_NOT_FOUND");
}

/// Median latency of `n` sends.
async fn send_latency(app: &TestApp, key: &str, room: &str, n: usize) -> Duration {
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        app.send(key, room, &format!("t{i}")).await;
        times.push(started.elapsed());
    }
    times.sort();
    times[n / 2]
}

async fn a_hanging_receiver_does_not_slow_sending(engine: EngineKind) {
    let app = spawn_app_with(engine, local_receivers).await;
    let (_, owner, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "Timed"})).await;
    let without = send_latency(&app, &owner, &room, 30).await;

    let hanging = Receiver::start(Behaviour::Hang).await;
    create_webhook(&app, &hanging.url, json!(["*"])).await;
    // A healthy webhook beside it still gets its events.
    let healthy = Receiver::start(Behaviour::FailFirst(0)).await;
    create_webhook(&app, &healthy.url, json!(["message.created"])).await;
    let with = send_latency(&app, &owner, &room, 30).await;
    println!("send latency p50 ({engine:?}): without a webhook {without:?}, with a hanging receiver {with:?}");
    assert!(
        with < without * 3 + Duration::from_millis(20),
        "sending slowed from {without:?} to {with:?}"
    );
    app.eventually("the healthy webhook's deliveries", || async {
        healthy.successes().len() == 30
    })
    .await;
}

async fn a_healthy_receiver_gets_each_message_soon_after_its_send(engine: EngineKind) {
    let app = spawn_app_with(engine, local_receivers).await;
    let receiver = Receiver::start(Behaviour::FailFirst(0)).await;
    create_webhook(&app, &receiver.url, json!(["message.created"])).await;
    let (_, owner, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "Quick"})).await;
    let mut acked = Vec::new();
    for n in 0..50 {
        app.send(&owner, &room, &format!("q{n}")).await;
        acked.push(Instant::now());
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    app.eventually("50 deliveries", || async {
        receiver.successes().len() == 50
    })
    .await;
    let mut latencies: Vec<Duration> = receiver
        .successes()
        .iter()
        .map(|got| {
            let seq = got.body["data"]["seq"].as_u64().unwrap() as usize;
            got.at.saturating_duration_since(acked[seq - 1])
        })
        .collect();
    latencies.sort();
    let (p50, p99) = (latencies[25], latencies[49]);
    println!(
        "webhook delivery latency after the send's ack ({engine:?}): p50 {p50:?}, p99 {p99:?}"
    );
    assert!(p99 < Duration::from_secs(2), "p99 {p99:?}");
}

async fn room_user_and_notification_events_reach_the_webhooks_that_ask(engine: EngineKind) {
    let app = spawn_app_with(engine, local_receivers).await;
    let receiver = Receiver::start(Behaviour::FailFirst(0)).await;
    let events = json!([
        "user.created",
        "user.login",
        "user.updated",
        "room.created",
        "member.joined",
        "message.updated",
        "notification.created",
        "user.deleted"
    ]);
    create_webhook(&app, &receiver.url, events).await;
    let (ann_id, ann, _) = app.new_user().await;
    let (bob_id, _, bob_email) = app.new_user().await;
    let bob = app.login(&bob_email).await;
    let room = app.create_room(&ann, json!({"name": "Events"})).await;
    app.join(&bob, &room).await;
    let message = app.send(&ann, &room, "not asked for").await;
    let edited = app
        .patch(
            &format!("/messages/{}", message["id"].as_str().unwrap()),
            &ann,
            json!({"content": "edited"}),
        )
        .await;
    assert_eq!(edited.status, 200, "{edited:?}");
    app.patch(
        &format!("/users/{bob_id}"),
        &app.master_key,
        json!({"full_name": "Bob"}),
    )
    .await;
    let sent = app
        .post(
            "/notifications",
            &app.master_key,
            json!({"user_ids": [ann_id], "title": "t", "body": "b"}),
        )
        .await;
    assert_eq!(sent.status, 201, "{sent:?}");
    app.delete(&format!("/users/{bob_id}"), &app.master_key)
        .await;
    let expected = [
        "user.created",
        "user.created",
        "user.login",
        "room.created",
        "member.joined",
        "message.updated",
        "user.updated",
        "notification.created",
        "user.deleted",
    ];
    app.eventually("every event asked for", || async {
        receiver.successes().len() >= expected.len()
    })
    .await;
    let names: Vec<String> = receiver
        .successes()
        .iter()
        .map(|r| r.body["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, expected);
    let joined = &receiver.successes()[4].body;
    assert_eq!(joined["data"]["user_id"], bob_id.as_str());
    assert_eq!(joined["data"]["room_id"], room.as_str());
    assert!(receiver.successes()[0].body["data"]
        .get("scoped_api_key")
        .is_none());
}
