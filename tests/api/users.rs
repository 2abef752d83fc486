//! Users: the guide's flow end to end, and every route and refusal of `API.md` §4.

use serde_json::json;

use crate::helpers::{awkward_floats, spawn_app, spawn_app_with, EngineKind};

every_deployment!(
    the_guides_flow_works_end_to_end,
    create_user_returns_the_documented_body,
    duplicate_email_or_username_is_409,
    every_bad_field_is_listed_in_one_422,
    get_user_returns_404_for_unknown_or_malformed_ids,
    list_users_pages_with_a_cursor_and_filters_by_prefix,
    a_client_sees_none_of_another_clients_users,
    deactivation_revokes_the_key_and_blocks_login,
    patch_user_refuses_a_taken_username,
    delete_user_revokes_its_key_and_frees_its_email,
    revoke_makes_the_key_fail_at_once,
    a_user_reads_and_edits_its_own_profile,
    logout_revokes_the_calling_key,
    login_refuses_unknown_and_malformed_emails,
    an_expired_key_is_refused_with_key_expired,
    a_user_whose_metadata_holds_any_float_can_be_edited_again,
);

async fn the_guides_flow_works_end_to_end(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let created = app
        .post(
            "/users",
            &app.master_key,
            json!({"email": "john@example.com", "username": "john_doe", "full_name": "John Doe"}),
        )
        .await;
    assert_eq!(created.status, 201);
    let first_key = created.body["scoped_api_key"].as_str().unwrap().to_owned();

    let login = app
        .post(
            "/users/login",
            &app.master_key,
            json!({"email": "john@example.com"}),
        )
        .await;
    assert_eq!(login.status, 200, "{login:?}");
    assert_eq!(login.body["user"]["email"], "john@example.com");
    assert_eq!(login.body["user"]["username"], "john_doe");
    assert_eq!(login.body["user"]["full_name"], "John Doe");
    assert_eq!(login.body["user"]["is_active"], true);
    assert!(login.body["expires_at"].is_string());
    let new_key = login.body["scoped_api_key"].as_str().unwrap().to_owned();
    assert!(new_key.starts_with("sk_user_") && new_key.len() == 48);
    assert_ne!(new_key, first_key);

    let old = app.get("/users/me", &first_key).await;
    old.assert_error(401, "INVALID_CREDENTIALS");
    assert_eq!(old.body["detail"], "Invalid authentication credentials");

    let me = app.get("/users/me", &new_key).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], created.body["id"]);
    assert!(me.body.get("scoped_api_key").is_none());

    let denied = app.get("/users", &new_key).await;
    denied.assert_error(403, "INSUFFICIENT_PERMISSIONS");
    assert_eq!(
        denied.body["detail"],
        "Insufficient permissions for this operation"
    );

    let master_on_user_route = app.get("/users/me", &app.master_key).await;
    master_on_user_route.assert_error(403, "INSUFFICIENT_PERMISSIONS");
}

async fn create_user_returns_the_documented_body(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let reply = app
        .post(
            "/users",
            &app.master_key,
            json!({"email": "ann@example.com", "username": "ann", "metadata": {"plan": "pro"}}),
        )
        .await;
    assert_eq!(reply.status, 201);
    let body = &reply.body;
    for field in [
        "id",
        "email",
        "username",
        "full_name",
        "metadata",
        "scoped_api_key",
        "expires_at",
        "is_active",
        "created_at",
    ] {
        assert!(body.get(field).is_some(), "missing {field} in {body}");
    }
    assert_eq!(body["metadata"], json!({"plan": "pro"}));
    assert_eq!(body["full_name"], serde_json::Value::Null);
    let fetched = app
        .get(
            &format!("/users/{}", body["id"].as_str().unwrap()),
            &app.master_key,
        )
        .await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body["email"], "ann@example.com");
    assert!(fetched.body.get("scoped_api_key").is_none());
}

async fn duplicate_email_or_username_is_409(engine: EngineKind) {
    let app = spawn_app(engine).await;
    app.create_user("dup@example.com", "dup_user").await;
    let same_email = app
        .post(
            "/users",
            &app.master_key,
            json!({"email": "DUP@example.com", "username": "other"}),
        )
        .await;
    same_email.assert_error(409, "EMAIL_TAKEN");
    let same_name = app
        .post(
            "/users",
            &app.master_key,
            json!({"email": "new@example.com", "username": "DUP_user"}),
        )
        .await;
    same_name.assert_error(409, "USERNAME_TAKEN");
    let listed = app.get("/users", &app.master_key).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
}

async fn every_bad_field_is_listed_in_one_422(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let reply = app
        .post(
            "/users",
            &app.master_key,
            json!({"email": "not-an-email", "username": "x", "full_name": "n".repeat(101), "metadata": [1]}),
        )
        .await;
    reply.assert_error(422, "VALIDATION_ERROR");
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(fields, ["email", "full_name", "metadata", "username"]);

    let missing = app
        .post("/users", &app.master_key, json!({"username": "abc"}))
        .await;
    missing.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(missing.error_fields(), ["email"]);

    let big = app
        .post(
            "/users",
            &app.master_key,
            json!({"email": "a@b.co", "username": "abc", "metadata": {"x": "y".repeat(5000)}}),
        )
        .await;
    assert_eq!(big.error_fields(), ["metadata"]);
    assert_eq!(
        app.get("/users", &app.master_key).await.body["data"],
        json!([])
    );
}

async fn get_user_returns_404_for_unknown_or_malformed_ids(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let unknown = uuid::Uuid::new_v4();
    app.get(&format!("/users/{unknown}"), &app.master_key)
        .await
        .assert_error(404, "USER_NOT_FOUND");
    app.get("/users/not-a-uuid", &app.master_key)
        .await
        .assert_error(404, "USER_NOT_FOUND");
}

async fn list_users_pages_with_a_cursor_and_filters_by_prefix(engine: EngineKind) {
    let app = spawn_app(engine).await;
    for name in ["alice", "albert", "bob", "carol", "alfred"] {
        app.create_user(&format!("{name}@example.com"), name).await;
    }
    let mut seen = Vec::new();
    let mut path = "/users?limit=2".to_owned();
    loop {
        let page = app.get(&path, &app.master_key).await;
        assert_eq!(page.status, 200, "{page:?}");
        let data = page.body["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        seen.extend(
            data.iter()
                .map(|u| u["username"].as_str().unwrap().to_owned()),
        );
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/users?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["alice", "albert", "bob", "carol", "alfred"]);

    let filtered = app.get("/users?q=AL", &app.master_key).await;
    let names: Vec<_> = filtered.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "albert", "alfred"]);

    app.get("/users?limit=0", &app.master_key)
        .await
        .assert_error(422, "VALIDATION_ERROR");
    app.get("/users?limit=201", &app.master_key)
        .await
        .assert_error(422, "VALIDATION_ERROR");
}

async fn a_client_sees_none_of_another_clients_users(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (id, _, email) = app.new_user().await;
    let (_, other_master) = app.register_client("Other App").await;

    let listed = app.get("/users", &other_master).await;
    assert_eq!(listed.body["data"], json!([]));
    let path = format!("/users/{id}");
    app.get(&path, &other_master)
        .await
        .assert_error(404, "USER_NOT_FOUND");
    app.patch(&path, &other_master, json!({"full_name": "x"}))
        .await
        .assert_error(404, "USER_NOT_FOUND");
    app.delete(&path, &other_master)
        .await
        .assert_error(404, "USER_NOT_FOUND");
    app.post(&format!("{path}/revoke"), &other_master, json!({}))
        .await
        .assert_error(404, "USER_NOT_FOUND");
    app.post("/users/login", &other_master, json!({ "email": email }))
        .await
        .assert_error(404, "USER_NOT_FOUND");
    // The same email and username are free in the other tenant.
    let name = email.split('@').next().unwrap();
    let reply = app
        .post(
            "/users",
            &other_master,
            json!({"email": email, "username": name}),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(app.get(&path, &app.master_key).await.status, 200);
}

async fn deactivation_revokes_the_key_and_blocks_login(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (id, key, email) = app.new_user().await;
    let path = format!("/users/{id}");
    let reply = app
        .patch(&path, &app.master_key, json!({"is_active": false}))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["is_active"], false);
    app.get("/users/me", &key)
        .await
        .assert_error(401, "INVALID_CREDENTIALS");
    app.post("/users/login", &app.master_key, json!({ "email": email }))
        .await
        .assert_error(403, "ACCOUNT_DISABLED");

    let reply = app
        .patch(
            &path,
            &app.master_key,
            json!({"is_active": true, "full_name": "Back"}),
        )
        .await;
    assert_eq!(reply.body["is_active"], true);
    assert_eq!(reply.body["full_name"], "Back");
    let key = app.login(&email).await;
    assert_eq!(app.get("/users/me", &key).await.status, 200);
}

async fn patch_user_refuses_a_taken_username(engine: EngineKind) {
    let app = spawn_app(engine).await;
    app.create_user("a@example.com", "first").await;
    let second = app.create_user("b@example.com", "second").await;
    let path = format!("/users/{}", second["id"].as_str().unwrap());
    app.patch(&path, &app.master_key, json!({"username": "FIRST"}))
        .await
        .assert_error(409, "USERNAME_TAKEN");
    let renamed = app
        .patch(&path, &app.master_key, json!({"username": "Second"}))
        .await;
    assert_eq!(renamed.body["username"], "Second");
    let free = app
        .patch(&path, &app.master_key, json!({"username": "third"}))
        .await;
    assert_eq!(free.body["username"], "third");
    // The old name is free again.
    app.create_user("c@example.com", "second").await;
    app.patch(&path, &app.master_key, json!({"username": "a b"}))
        .await
        .assert_error(422, "VALIDATION_ERROR");
}

async fn delete_user_revokes_its_key_and_frees_its_email(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (id, key, email) = app.new_user().await;
    let path = format!("/users/{id}");
    let deleted = app.delete(&path, &app.master_key).await;
    assert_eq!(deleted.status, 204);
    app.get("/users/me", &key)
        .await
        .assert_error(401, "INVALID_CREDENTIALS");
    app.get(&path, &app.master_key)
        .await
        .assert_error(404, "USER_NOT_FOUND");
    app.delete(&path, &app.master_key)
        .await
        .assert_error(404, "USER_NOT_FOUND");
    let name = email.split('@').next().unwrap();
    app.create_user(&email, name).await;
}

async fn revoke_makes_the_key_fail_at_once(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (id, key, email) = app.new_user().await;
    let reply = app
        .post(&format!("/users/{id}/revoke"), &app.master_key, json!({}))
        .await;
    assert_eq!(reply.status, 204);
    app.get("/users/me", &key)
        .await
        .assert_error(401, "INVALID_CREDENTIALS");
    let key = app.login(&email).await;
    assert_eq!(app.get("/users/me", &key).await.status, 200);
}

async fn a_user_reads_and_edits_its_own_profile(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (id, key, _) = app.new_user().await;
    let reply = app
        .request(
            reqwest::Method::PUT,
            "/users/profile",
            Some(&key),
            Some(json!({"full_name": "New Name", "username": "renamed", "metadata": {"theme": "dark"}})),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["id"], id.as_str());
    assert_eq!(reply.body["username"], "renamed");
    let me = app.get("/users/me", &key).await;
    assert_eq!(me.body["full_name"], "New Name");
    assert_eq!(me.body["metadata"], json!({"theme": "dark"}));
    let not_allowed = app
        .request(
            reqwest::Method::PUT,
            "/users/profile",
            Some(&key),
            Some(json!({"is_active": false})),
        )
        .await;
    not_allowed.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(not_allowed.error_fields(), ["is_active"]);
}

async fn logout_revokes_the_calling_key(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, key, email) = app.new_user().await;
    let reply = app.post("/users/logout", &key, json!({})).await;
    assert_eq!(reply.status, 204);
    app.get("/users/me", &key)
        .await
        .assert_error(401, "INVALID_CREDENTIALS");
    app.post("/users/logout", &app.master_key, json!({}))
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    let key = app.login(&email).await;
    assert_eq!(app.get("/users/me", &key).await.status, 200);
}

async fn login_refuses_unknown_and_malformed_emails(engine: EngineKind) {
    let app = spawn_app(engine).await;
    app.post(
        "/users/login",
        &app.master_key,
        json!({"email": "nobody@example.com"}),
    )
    .await
    .assert_error(404, "USER_NOT_FOUND");
    let bad = app
        .post("/users/login", &app.master_key, json!({"email": "nope"}))
        .await;
    bad.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(bad.error_fields(), ["email"]);
    // Email lookup ignores case, as uniqueness does.
    app.create_user("Case@Example.com", "case_user").await;
    app.login("case@example.COM").await;
}

async fn an_expired_key_is_refused_with_key_expired(engine: EngineKind) {
    let app = spawn_app_with(engine, |s| {
        s.scoped_key_ttl = std::time::Duration::from_secs(1)
    })
    .await;
    let (_, key, _) = app.new_user().await;
    app.eventually("the key to expire", || async {
        let reply = app.get("/users/me", &key).await;
        if reply.status == 200 {
            return false;
        }
        reply.assert_error(401, "KEY_EXPIRED");
        assert_eq!(reply.body["detail"], "API key has expired");
        true
    })
    .await;
    let events = app
        .get("/security-events?type=key.expired", &app.master_key)
        .await;
    assert!(
        !events.body["data"].as_array().unwrap().is_empty(),
        "{events:?}"
    );
}

/// Found by the fuzz run: the store's compare-and-set compares the record's JSON text,
/// and a float that did not survive a trip through that text left the user unable to
/// change again (every edit 503).
async fn a_user_whose_metadata_holds_any_float_can_be_edited_again(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (id, key, _) = app.new_user().await;
    let profile = |body| {
        app.request(
            reqwest::Method::PUT,
            "/users/profile",
            Some(&key),
            Some(body),
        )
    };
    let first = profile(json!({"metadata": awkward_floats()})).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.body["metadata"], awkward_floats());
    let again = profile(json!({"full_name": "Again"})).await;
    assert_eq!(again.status, 200, "{again:?}");
    let by_master = app
        .patch(
            &format!("/users/{id}"),
            &app.master_key,
            json!({"full_name": "Third"}),
        )
        .await;
    assert_eq!(by_master.status, 200, "{by_master:?}");
    assert_eq!(by_master.body["metadata"], awkward_floats());
}
