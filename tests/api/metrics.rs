//! `GET /metrics`: Prometheus text that a real parser reads, with counters that move
//! with what the test does and histograms with buckets.

use prometheus_parse::{Sample, Scrape, Value};
use serde_json::json;

use crate::{
    helpers::{spawn_app_with, EngineKind, TestApp},
    ws_client::WsClient,
};

both_engines!(a_scrape_counts_what_the_node_did);

async fn scrape(app: &TestApp) -> Scrape {
    let root = app.base.trim_end_matches("/api/v1");
    let response = app
        .http
        .get(format!("{root}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap()
}

fn samples<'a>(scrape: &'a Scrape, name: &str) -> Vec<&'a Sample> {
    scrape.samples.iter().filter(|s| s.metric == name).collect()
}

/// The one sample of `name` whose labels include `labels`, as a number.
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<&Sample> = samples(scrape, name)
        .into_iter()
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .collect();
    assert_eq!(found.len(), 1, "{name} {labels:?}: {found:?}");
    match &found[0].value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
        other => panic!("{name} is not a number: {other:?}"),
    }
}

/// The total count of the histogram `name` (over every label set), after checking it
/// has buckets.
fn histogram_count(scrape: &Scrape, name: &str) -> f64 {
    samples(scrape, name)
        .iter()
        .map(|s| match &s.value {
            Value::Histogram(buckets) => {
                assert!(buckets.len() > 5, "{name} has {} buckets", buckets.len());
                buckets.last().unwrap().count
            }
            other => panic!("{name} is not a histogram: {other:?}"),
        })
        .sum()
}

async fn a_scrape_counts_what_the_node_did(engine: EngineKind) {
    let app = spawn_app_with(engine, |s| s.rate_limits.logins_per_min = 1).await;
    let (_, key, email) = app.new_user().await;
    let room = app.create_room(&key, json!({"name": "Counted"})).await;
    let (mut socket, _) = WsClient::connect(&app, &key).await;
    let before = scrape(&app).await;

    for i in 0..3 {
        app.send(&key, &room, &format!("rest {i}")).await;
    }
    let ack = socket
        .request("message.send", json!({"room_id": room, "content": "ws"}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    for _ in 0..4 {
        socket.next_of("message.new").await;
    }
    app.login(&email).await;
    app.post("/users/login", &app.master_key, json!({ "email": email }))
        .await
        .assert_error(429, "RATE_LIMIT_EXCEEDED");
    let after = scrape(&app).await;

    let node = |s: &Scrape| value(s, "chatapi_node_info", &[]);
    assert_eq!(node(&after), 1.0);
    for sample in &after.samples {
        assert!(
            sample.labels.get("node").is_some(),
            "{sample:?} has no node"
        );
    }
    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert_eq!(
        moved("chatapi_messages_in_total", &[("transport", "rest")]),
        3.0
    );
    assert_eq!(
        moved("chatapi_messages_in_total", &[("transport", "ws")]),
        1.0
    );
    // Four messages to the one socket; the socket's own `presence` frame may land
    // after the first scrape, too.
    let delivered = moved("chatapi_deliveries_total", &[]);
    assert!((4.0..=5.0).contains(&delivered), "{delivered} deliveries");
    assert_eq!(
        moved("chatapi_rate_limited_total", &[("limit", "logins")]),
        1.0
    );
    assert_eq!(value(&before, "chatapi_ws_connections", &[]), 1.0);
    assert_eq!(value(&before, "chatapi_rooms_local", &[]), 1.0);
    let route = [("route", "/api/v1/messages"), ("status", "201")];
    assert_eq!(value(&after, "chatapi_http_requests_total", &route), 3.0);
    let fanned = histogram_count(&after, "chatapi_fanout_seconds")
        - histogram_count(&before, "chatapi_fanout_seconds");
    assert!(fanned >= 4.0, "{fanned} fan-outs timed");
    assert!(value(&after, "process_resident_memory_bytes", &[]) > 1e6);
    samples(&after, "process_cpu_seconds_total")
        .first()
        .expect("process CPU");
    if engine == EngineKind::Redis {
        let appends = samples(&after, "chatapi_store_seconds")
            .into_iter()
            .any(|s| s.labels.get("op") == Some("append_message"));
        assert!(appends, "store latency by operation");
        assert!(histogram_count(&after, "chatapi_store_seconds") > 0.0);
    }
    drop(socket);
}
