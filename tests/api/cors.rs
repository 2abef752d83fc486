//! Browsers (API.md §8): cross-origin calls only from `CHATAPI_CORS_ORIGINS`, with
//! `Authorization` and `Content-Type` allowed and the rate-limit and request-id headers
//! readable; and the JavaScript client served by every node.

use reqwest::{header::HeaderMap, Method};
use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_with, EngineKind, TestApp};

const LISTED: &str = "http://app.example.com:3000";
const UNLISTED: &str = "http://evil.example.com";

async fn with_origins() -> TestApp {
    spawn_app_with(EngineKind::Memory, |settings| {
        settings.cors_origins = vec![LISTED.to_owned(), "https://other.example.com".to_owned()];
    })
    .await
}

/// A browser's preflight for `POST /users` with a key and a JSON body.
async fn preflight(app: &TestApp, origin: &str, headers: &str) -> (u16, HeaderMap, Value) {
    let response = app
        .http
        .request(Method::OPTIONS, format!("{}/users", app.base))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", headers)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

async fn get_from(app: &TestApp, origin: &str, key: &str) -> reqwest::Response {
    app.http
        .get(format!("{}/users", app.base))
        .header("Origin", origin)
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

fn listed_names(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .unwrap_or_default()
        .split(',')
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

#[track_caller]
fn assert_refused(status: u16, headers: &HeaderMap, body: &Value) {
    assert_eq!(status, 403, "{headers:?} {body}");
    assert_eq!(body["error_code"], "INSUFFICIENT_PERMISSIONS", "{body}");
    assert_eq!(body["status_code"], 403, "{body}");
    assert!(
        headers.get("access-control-allow-origin").is_none(),
        "{headers:?}"
    );
}

#[actix_web::test]
async fn a_listed_origin_passes_its_preflight_for_a_keyed_json_call() {
    let app = with_origins().await;
    let (status, headers, _) = preflight(&app, LISTED, "authorization,content-type").await;
    assert_eq!(status, 200, "{headers:?}");
    assert_eq!(headers["access-control-allow-origin"], LISTED);
    let allowed = listed_names(&headers, "access-control-allow-headers");
    assert!(allowed.contains(&"authorization".to_owned()), "{allowed:?}");
    assert!(allowed.contains(&"content-type".to_owned()), "{allowed:?}");
    let methods = listed_names(&headers, "access-control-allow-methods");
    for method in ["get", "post", "put", "patch", "delete"] {
        assert!(methods.contains(&method.to_owned()), "{methods:?}");
    }
}

#[actix_web::test]
async fn a_listed_origin_reads_answers_and_the_rate_limit_and_request_id_headers() {
    let app = with_origins().await;
    let ok = get_from(&app, LISTED, &app.master_key).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["access-control-allow-origin"], LISTED);
    let exposed = listed_names(ok.headers(), "access-control-expose-headers");
    for name in [
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-request-id",
    ] {
        assert!(exposed.contains(&name.to_owned()), "{name}: {exposed:?}");
    }
    // A refusal is readable too, or the page could not show why it failed.
    let refused = get_from(&app, LISTED, "ck_live_nonsense").await;
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["access-control-allow-origin"], LISTED);
}

#[actix_web::test]
async fn an_unlisted_origin_is_refused_its_preflight_and_gets_no_cors_headers() {
    let app = with_origins().await;
    let (status, headers, body) = preflight(&app, UNLISTED, "authorization,content-type").await;
    assert_refused(status, &headers, &body);
    // Served (a same-origin page sends Origin too) but unreadable by a foreign page.
    let served = get_from(&app, UNLISTED, &app.master_key).await;
    assert_eq!(served.status(), 200);
    assert!(served
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[actix_web::test]
async fn a_listed_origin_may_not_send_other_headers() {
    let app = with_origins().await;
    let (status, headers, body) = preflight(&app, LISTED, "authorization,x-api-key").await;
    assert_refused(status, &headers, &body);
}

#[actix_web::test]
async fn without_the_setting_no_origin_is_allowed() {
    let app = spawn_app(EngineKind::Memory).await;
    for origin in [LISTED, UNLISTED] {
        let (status, headers, body) = preflight(&app, origin, "authorization,content-type").await;
        assert_refused(status, &headers, &body);
        let served = get_from(&app, origin, &app.master_key).await;
        assert!(served
            .headers()
            .get("access-control-allow-origin")
            .is_none());
    }
}

#[actix_web::test]
async fn every_node_serves_the_javascript_client_and_its_types() {
    let app = spawn_app(EngineKind::Memory).await;
    let root = app.base.trim_end_matches("/api/v1");
    for (path, kind, needle) in [
        (
            "/chatapi.js",
            "text/javascript",
            "export class ChatAPIClient",
        ),
        (
            "/chatapi.d.ts",
            "text/plain",
            "export declare class ChatSocket",
        ),
    ] {
        let response = app.http.get(format!("{root}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        assert!(response.text().await.unwrap().contains(needle), "{path}");
    }
}
