//! No key or token ever reaches a log line.

use serde_json::json;

use crate::helpers::{spawn_app, EngineKind, LOGS};

every_deployment!(
    a_full_login_flow_logs_no_key,
    keys_put_in_urls_and_headers_are_redacted_from_the_log
);

/// Everything logged so far by any node of this test binary.
fn captured_log() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

/// Fails if any `len`-character piece of `secret` appears in `logs`.
#[track_caller]
fn assert_no_piece_of(secret: &str, len: usize, logs: &str) {
    for start in 0..=secret.len() - len {
        let piece = &secret[start..start + len];
        let line = logs.lines().find(|line| line.contains(piece));
        assert!(line.is_none(), "a piece of a key is in the log: {line:?}");
    }
}

async fn keys_put_in_urls_and_headers_are_redacted_from_the_log(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, user_key, _) = app.new_user().await;
    let master = app.master_key.clone();
    let marker = uuid::Uuid::new_v4().simple().to_string();
    let targets = [
        format!("/ws?token={user_key}&marker={marker}"),
        format!("/x/{master}?marker={marker}"),
        format!("/users/{user_key}?marker={marker}"),
        format!("/rooms/{master}/messages?cursor={user_key}&marker={marker}"),
        format!(
            "/users?q=a&token={}&marker={marker}",
            user_key.replace('_', "%5F")
        ),
    ];
    for target in &targets {
        app.http
            .get(format!("{}{target}", app.base))
            .bearer_auth(&master)
            .header("Referer", format!("https://example.com/?k={user_key}"))
            .header("User-Agent", format!("probe {master}"))
            .header("X-Forwarded-For", &user_key)
            .send()
            .await
            .unwrap();
    }
    // Over a real upgrade too (the key in the query is never read).
    let url = format!(
        "{}/ws?token={user_key}&marker={marker}",
        app.base.replacen("http://", "ws://", 1)
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    futures_util::SinkExt::close(&mut socket).await.unwrap();

    let logs = captured_log();
    let requests = logs.lines().filter(|line| line.contains(&marker)).count();
    assert!(
        requests >= targets.len(),
        "the requests were not logged: {requests}"
    );
    assert!(
        logs.contains("sk_user_[REDACTED]"),
        "no redacted target logged"
    );
    for secret in [&user_key, &master] {
        assert_no_piece_of(&secret[8..], 8, &logs);
    }
}

async fn a_full_login_flow_logs_no_key(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (id, first_key, email) = app.new_user().await;
    let key = app.login(&email).await;
    app.get("/users/me", &key).await;
    app.get("/users/me", &first_key).await;
    app.get("/users", &key).await;
    app.post(&format!("/users/{id}/revoke"), &app.master_key, json!({}))
        .await;
    let unknown = format!("sk_user_{}", "Z".repeat(40));
    app.get("/users/me", &unknown).await;
    let rotated = app
        .post("/clients/me/rotate-key", &app.master_key, json!({}))
        .await;
    let master = rotated.body["master_api_key"].as_str().unwrap().to_owned();
    app.get("/users", &master).await;

    let logs = captured_log();
    assert!(
        logs.contains("/api/v1/users/login"),
        "the logs captured nothing"
    );
    assert!(logs.contains("time.busy"), "request latency is not logged");
    for secret in [&first_key, &key, &app.master_key, &master, &unknown] {
        // No 12-character piece of the random part may appear: windows every 6
        // characters catch any leaked run of 18 or more.
        let random = &secret[8..];
        for start in (0..=random.len() - 12).step_by(6) {
            assert!(
                !logs.contains(&random[start..start + 12]),
                "part of a key appears in the logs"
            );
        }
    }
}
