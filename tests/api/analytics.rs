//! Analytics (`API.md` §7): what the test does is what the counters say.

use serde_json::{json, Value};

use crate::{
    helpers::{spawn_unlimited, EngineKind, TestApp},
    ws_client::WsClient,
};

every_deployment!(
    usage_counts_equal_what_was_done,
    live_load_shows_each_node_and_the_total,
    analytics_refuse_scoped_keys_and_bad_ranges,
);

/// The current hour's bucket (the default range ends with it).
async fn this_hour(app: &TestApp) -> Value {
    let reply = app.get("/analytics?bucket=hour", &app.master_key).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["bucket"], "hour");
    let data = reply.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 24, "a day of hours by default");
    data.last().unwrap().clone()
}

async fn usage_counts_equal_what_was_done(engine: EngineKind) {
    wait_out_the_turn_of_the_hour().await;
    let app = spawn_unlimited(engine).await;
    // Another client's activity is not ours.
    let (_, other) = app.register_client("Other").await;
    app.post(
        "/users",
        &other,
        json!({"email": "o@example.com", "username": "other"}),
    )
    .await;

    let (_, ann, _) = app.new_user().await;
    let (_, bob, _) = app.new_user().await;
    let (_, _cat, _) = app.new_user().await;
    let room = app.create_room(&ann, json!({"name": "Counted"})).await;
    app.join(&bob, &room).await;
    let (mut ann_socket, _) = WsClient::connect(&app, &ann).await;
    let (_bob_socket, _) = WsClient::connect(&app, &bob).await;
    for n in 0..3 {
        app.send(&ann, &room, &format!("a{n}")).await;
    }
    app.send(&bob, &room, "b").await;
    for _ in 0..4 {
        ann_socket.next_of("message.new").await;
    }

    // Four messages, each to two connections: eight frames; reports are periodic.
    app.eventually("the delivered count", || async {
        this_hour(&app).await["messages_delivered"] == 8
    })
    .await;
    let hour = this_hour(&app).await;
    assert_eq!(hour["users"], 3, "{hour}");
    assert_eq!(hour["rooms"], 1, "{hour}");
    assert_eq!(hour["messages_sent"], 4, "{hour}");
    assert_eq!(hour["active_users"], 2, "{hour}");
    assert_eq!(hour["peak_connections"], 2, "{hour}");

    let day = app.get("/analytics?bucket=day", &app.master_key).await;
    assert_eq!(day.status, 200, "{day:?}");
    let days = day.body["data"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    let today = days.last().unwrap();
    assert_eq!(today["messages_sent"], 4);
    assert_eq!(today["active_users"], 2);
    assert!(
        today["start"].as_str().unwrap().ends_with("T00:00:00Z"),
        "{today}"
    );
}

/// The test reads one hourly (and daily) bucket, so it must not run across the
/// turn of an hour: within 30 s of one, it waits for the new hour to start.
async fn wait_out_the_turn_of_the_hour() {
    use chrono::Timelike;
    let now = chrono::Utc::now();
    let into_hour = u64::from(now.minute() * 60 + now.second());
    if into_hour >= 3600 - 30 {
        tokio::time::sleep(std::time::Duration::from_secs(3600 - into_hour + 1)).await;
    }
}

async fn live_load_shows_each_node_and_the_total(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let (_, ann, _) = app.new_user().await;
    let (_socket, _) = WsClient::connect(&app, &ann).await;
    app.eventually("a live report", || async {
        let live = app.get("/analytics/live", &app.master_key).await;
        assert_eq!(live.status, 200, "{live:?}");
        live.body["total"]["connections"] == 1
            && live.body["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["connections"] == 1 && n["messages_per_sec"].is_number())
    })
    .await;
}

async fn analytics_refuse_scoped_keys_and_bad_ranges(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let (_, key, _) = app.new_user().await;
    app.get("/analytics", &key)
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    app.get("/analytics/live", &key)
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    let bad = app
        .get("/analytics?bucket=week&from=yesterday", &app.master_key)
        .await;
    bad.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(bad.error_fields(), ["bucket", "from"]);
    let backwards = app
        .get(
            "/analytics?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            &app.master_key,
        )
        .await;
    backwards.assert_error(422, "VALIDATION_ERROR");
    let hours = app
        .get(
            "/analytics?from=2026-01-01T00:00:00Z&to=2026-01-01T02:30:00Z",
            &app.master_key,
        )
        .await;
    assert_eq!(hours.status, 200, "{hours:?}");
    assert_eq!(hours.body["data"].as_array().unwrap().len(), 3);
    assert_eq!(hours.body["data"][0]["start"], "2026-01-01T00:00:00Z");
}
