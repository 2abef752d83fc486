//! No key or token ever reaches a log line.

use serde_json::json;

use crate::helpers::{spawn_app, EngineKind, LOGS};

every_deployment!(a_full_login_flow_logs_no_key);

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

    let logs = String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned();
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
