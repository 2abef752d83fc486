//! Keys as presented: missing, malformed, unknown, wrong kind.

use reqwest::Method;

use crate::helpers::{spawn_app, EngineKind};

every_deployment!(
    requests_without_a_live_key_are_401,
    keys_are_refused_in_the_query_string,
);

async fn requests_without_a_live_key_are_401(engine: EngineKind) {
    let app = spawn_app(engine).await;
    app.request(Method::GET, "/users", None, None)
        .await
        .assert_error(401, "INVALID_CREDENTIALS");
    let well_formed_unknown = format!("ck_live_{}", "A".repeat(40));
    for key in [
        "junk",
        "sk_user_short",
        &well_formed_unknown,
        &app.master_key[..47],
    ] {
        let reply = app.get("/users", key).await;
        reply.assert_error(401, "INVALID_CREDENTIALS");
        assert_eq!(reply.body["detail"], "Invalid authentication credentials");
        assert!(!reply.body.to_string().contains(key), "the key is echoed");
    }
    let basic = app
        .http
        .get(format!("{}/users", app.base))
        .header("Authorization", format!("Basic {}", app.master_key))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    // A user key shaped like a master key (wrong prefix for its record) is unknown.
    let (_, user_key, _) = app.new_user().await;
    let disguised = user_key.replacen("sk_user_", "ck_live_", 1);
    app.get("/users", &disguised)
        .await
        .assert_error(401, "INVALID_CREDENTIALS");
}

async fn keys_are_refused_in_the_query_string(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let reply = app
        .request(
            Method::GET,
            &format!("/users?api_key={}", app.master_key),
            None,
            None,
        )
        .await;
    reply.assert_error(401, "INVALID_CREDENTIALS");
}
