//! Every refusal, from any route, in the documented body.

use reqwest::Method;

use crate::helpers::{spawn_app, EngineKind};

every_deployment!(
    malformed_json_is_400_invalid_json,
    a_wrong_content_type_is_400,
    unknown_routes_and_methods_are_404,
    bodies_over_64_kib_are_413,
    unknown_fields_and_wrong_types_name_the_field,
    every_response_carries_a_request_id,
    health_and_ready_answer,
    undecodable_or_malformed_ids_in_paths_are_the_resources_404,
    refused_websocket_handshakes_answer_the_documented_body,
    a_body_that_is_not_a_json_object_is_422,
);

async fn malformed_json_is_400_invalid_json(engine: EngineKind) {
    let app = spawn_app(engine).await;
    for body in ["{", "", "{\"email\": }", "[1,2", "{} {}"] {
        let response = app
            .http
            .post(format!("{}/users", app.base))
            .bearer_auth(&app.master_key)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body:?}");
        let json: serde_json::Value = response.json().await.unwrap();
        assert_eq!(json["error_code"], "INVALID_JSON");
        assert_eq!(json["status_code"], 400);
    }
}

async fn a_wrong_content_type_is_400(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let response = app
        .http
        .post(format!("{}/users", app.base))
        .bearer_auth(&app.master_key)
        .header("Content-Type", "text/plain")
        .body(r#"{"email":"a@b.co","username":"abc"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["error_code"], "INVALID_JSON");
    // With no content type at all, JSON is assumed.
    let response = app
        .http
        .post(format!("{}/users", app.base))
        .bearer_auth(&app.master_key)
        .body(r#"{"email":"a@b.co","username":"abc"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

async fn unknown_routes_and_methods_are_404(engine: EngineKind) {
    let app = spawn_app(engine).await;
    app.request(Method::GET, "/nowhere", None, None)
        .await
        .assert_error(404, "NOT_FOUND");
    app.request(Method::DELETE, "/health", None, None)
        .await
        .assert_error(404, "NOT_FOUND");
    let outside = app
        .http
        .get(app.base.replace("/api/v1", "/elsewhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 404);
    let json: serde_json::Value = outside.json().await.unwrap();
    assert_eq!(json["error_code"], "NOT_FOUND");
}

async fn bodies_over_64_kib_are_413(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let huge =
        serde_json::json!({"email": "a@b.co", "username": "abc", "full_name": "x".repeat(70_000)});
    app.post("/users", &app.master_key, huge)
        .await
        .assert_error(413, "PAYLOAD_TOO_LARGE");
    // Chunked, so no Content-Length announces it: the limit still holds.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..20).map(|_| Ok(vec![b' '; 8192])).collect();
    let response = app
        .http
        .post(format!("{}/users", app.base))
        .bearer_auth(&app.master_key)
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(
        app.get("/users", &app.master_key).await.body["data"],
        serde_json::json!([])
    );
}

async fn unknown_fields_and_wrong_types_name_the_field(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let typo = app
        .post(
            "/users",
            &app.master_key,
            serde_json::json!({"email": "a@b.co", "username": "abc", "fullname": "x"}),
        )
        .await;
    typo.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(typo.error_fields(), ["fullname"]);
    let wrong_type = app
        .post(
            "/users",
            &app.master_key,
            serde_json::json!({"email": 5, "username": "abc"}),
        )
        .await;
    wrong_type.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(wrong_type.error_fields(), ["email"]);
}

async fn every_response_carries_a_request_id(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let ok = app.get("/users", &app.master_key).await;
    let refused = app.get("/users", "junk").await;
    let ids: Vec<_> = [ok, refused]
        .iter()
        .map(|reply| reply.headers["x-request-id"].to_str().unwrap().to_owned())
        .collect();
    assert!(
        ids.iter().all(|id| uuid::Uuid::parse_str(id).is_ok()),
        "{ids:?}"
    );
    assert_ne!(ids[0], ids[1]);
}

async fn health_and_ready_answer(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let health = app.request(Method::GET, "/health", None, None).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");
    let ready = app.request(Method::GET, "/ready", None, None).await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body["status"], "ready");
}

/// A segment that does not decode to text names nothing, like one that is text but
/// no id: the resource's own 404, in the documented body.
async fn undecodable_or_malformed_ids_in_paths_are_the_resources_404(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, user_key, _) = app.new_user().await;
    let master = app.master_key.as_str();
    let any = uuid::Uuid::new_v4();
    let cases = [
        (
            Method::GET,
            "/rooms/%FF%FE/messages".to_owned(),
            master,
            "ROOM_NOT_FOUND",
        ),
        (
            Method::GET,
            "/rooms/not-a-uuid/messages".to_owned(),
            master,
            "ROOM_NOT_FOUND",
        ),
        (
            Method::GET,
            "/users/%FF".to_owned(),
            master,
            "USER_NOT_FOUND",
        ),
        (
            Method::GET,
            "/users/not-a-uuid".to_owned(),
            master,
            "USER_NOT_FOUND",
        ),
        (
            Method::GET,
            "/messages/%C3%28".to_owned(),
            master,
            "MESSAGE_NOT_FOUND",
        ),
        (
            Method::GET,
            "/messages/%".to_owned(),
            master,
            "MESSAGE_NOT_FOUND",
        ),
        (
            Method::DELETE,
            format!("/rooms/%FF/members/{any}"),
            master,
            "ROOM_NOT_FOUND",
        ),
        (
            Method::DELETE,
            format!("/messages/{any}/reactions/%FF%FE"),
            user_key.as_str(),
            "MESSAGE_NOT_FOUND",
        ),
    ];
    for (method, path, key, code) in cases {
        app.request(method, &path, Some(key), None)
            .await
            .assert_error(404, code);
    }
}

async fn refused_websocket_handshakes_answer_the_documented_body(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, key, _) = app.new_user().await;
    let refusals = [
        (None, vec![("Upgrade", ""), ("Connection", "")], "upgrade"),
        (
            Some(key.as_str()),
            vec![("Upgrade", ""), ("Connection", "")],
            "upgrade",
        ),
        (None, vec![("Upgrade", "h2c")], "upgrade"),
        (None, vec![("Connection", "keep-alive")], "connection"),
        (
            None,
            vec![("Sec-WebSocket-Version", "12")],
            "sec-websocket-version",
        ),
        (
            Some(key.as_str()),
            vec![("Sec-WebSocket-Version", "")],
            "sec-websocket-version",
        ),
        (None, vec![("Sec-WebSocket-Key", "")], "sec-websocket-key"),
    ];
    for (key, changes, field) in refusals {
        let reply = app.handshake(key, &changes).await;
        assert_eq!(reply.status, 422, "{changes:?}");
        reply.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(reply.error_fields(), [field], "{changes:?}");
    }
    for method in [Method::POST, Method::PUT, Method::DELETE] {
        app.request(method, "/ws", Some(&key), None)
            .await
            .assert_error(404, "NOT_FOUND");
    }
}

/// Found by the fuzz run: serde reads a struct from a JSON array too, by position, so
/// `PATCH /clients/me` with `[null, null]` answered 200 and `POST /users` with
/// `["a@b.co", "abc"]` made a user. Every body is an object (API.md).
async fn a_body_that_is_not_a_json_object_is_422(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let cases = [
        (
            Method::PATCH,
            "/clients/me",
            serde_json::json!([null, null]),
        ),
        (
            Method::POST,
            "/users",
            serde_json::json!(["array@example.com", "array"]),
        ),
        (
            Method::POST,
            "/users/login",
            serde_json::json!(["array@example.com"]),
        ),
        (Method::POST, "/rooms", serde_json::json!(["Array room"])),
        (Method::POST, "/clients", serde_json::json!("Array client")),
    ];
    for (method, path, body) in cases {
        let reply = app
            .request(method.clone(), path, Some(&app.master_key), Some(body))
            .await;
        reply.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(reply.error_fields(), ["body"], "{method} {path}");
    }
    let users = app.get("/users", &app.master_key).await;
    assert_eq!(users.body["data"], serde_json::json!([]), "{users:?}");
}
