//! `GET /api/v1/openapi.json`: the document lists exactly the routes the route table
//! mounts, every one of them is served, and each operation says which key it takes and
//! answers refusals in the documented body.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{spawn_app, EngineKind, TestApp};

/// `(METHOD, full path)` for every route `http/mod.rs` mounts, read from its source:
/// each `resource("…")` followed by its `.route(get()…)` calls. The route table is one
/// file by design, so this reads all of it; resources inside `web::scope(BASE)` are
/// under `/api/v1`, the others at the root.
fn route_table() -> BTreeSet<(String, String)> {
    let source = include_str!("../../src/http/mod.rs")
        .lines()
        .map(|line| line.split("//").next().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let scope_start = source.find("web::scope(BASE)").expect("the /api/v1 scope");
    let scope_end = scope_start + source[scope_start..].find(';').unwrap();
    let marker = "resource(\"";
    let starts: Vec<usize> = source.match_indices(marker).map(|(at, _)| at).collect();
    let mut routes = BTreeSet::new();
    for (i, &start) in starts.iter().enumerate() {
        let path_start = start + marker.len();
        let path = &source[path_start..path_start + source[path_start..].find('"').unwrap()];
        let full = if (scope_start..scope_end).contains(&start) {
            format!("{}{path}", chatapi::http::BASE)
        } else {
            path.to_owned()
        };
        let segment = &source[path_start..starts.get(i + 1).copied().unwrap_or(source.len())];
        let methods: Vec<String> = segment
            .split(".route(")
            .skip(1)
            .map(|call| {
                let call = call.trim_start();
                let call = call.strip_prefix("web::").unwrap_or(call);
                call[..call.find('(').unwrap()].to_uppercase()
            })
            .collect();
        assert!(!methods.is_empty(), "{full} mounts no method");
        for method in methods {
            assert!(
                ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()),
                "{method} {full}"
            );
            assert!(
                routes.insert((method.clone(), full.clone())),
                "{method} {full} twice"
            );
        }
    }
    routes
}

async fn document(app: &TestApp) -> Value {
    let response = app
        .http
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

/// `(METHOD, path)` for every operation of the document, with the operation.
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            found.push((method.to_uppercase(), path.clone(), operation.clone()));
        }
    }
    found
}

#[actix_web::test]
async fn the_document_lists_exactly_the_routes_of_the_route_table() {
    let app = spawn_app(EngineKind::Memory).await;
    let document = document(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    let documented: BTreeSet<(String, String)> = operations(&document)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    let mounted = route_table();
    // The parser found the whole table, not a part of it.
    assert!(mounted.len() >= 44, "only {} routes parsed", mounted.len());
    let undocumented: Vec<_> = mounted.difference(&documented).collect();
    let unmounted: Vec<_> = documented.difference(&mounted).collect();
    assert!(
        undocumented.is_empty(),
        "mounted, not documented: {undocumented:?}"
    );
    assert!(
        unmounted.is_empty(),
        "documented, not mounted: {unmounted:?}"
    );
}

#[actix_web::test]
async fn every_documented_route_is_served() {
    let app = spawn_app(EngineKind::Memory).await;
    let root = app.base.trim_end_matches(chatapi::http::BASE).to_owned();
    for (method, path, _) in operations(&document(&app).await) {
        // Any value for each path parameter: an unknown id is the resource's own 404.
        let concrete = path
            .split('/')
            .map(|part| match part.starts_with('{') {
                true => uuid::Uuid::new_v4().to_string(),
                false => part.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/");
        let response = app
            .http
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{root}{concrete}"),
            )
            .bearer_auth(&app.master_key)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        let unrouted = status == 404 && body.contains("No route for");
        assert!(
            !unrouted,
            "{method} {path} is documented but not served: {body}"
        );
    }
}

#[actix_web::test]
async fn every_operation_says_which_key_it_takes_and_how_it_refuses() {
    let app = spawn_app(EngineKind::Memory).await;
    let document = document(&app).await;
    let schemes = document["components"]["securitySchemes"]
        .as_object()
        .unwrap();
    let mut ids = BTreeSet::new();
    for (method, path, operation) in operations(&document) {
        let id = operation["operationId"].as_str().unwrap().to_owned();
        assert!(ids.insert(id.clone()), "operationId {id} twice");
        assert!(
            operation["tags"].as_array().is_some_and(|t| t.len() == 1),
            "{method} {path}"
        );
        let description = operation["description"].as_str().unwrap_or_default();
        assert!(
            ["No key", "Master key", "Scoped key"]
                .iter()
                .any(|opening| description.starts_with(opening)),
            "{method} {path} does not open by naming its key: {description:?}"
        );
        let in_path: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let placeholders: BTreeSet<&str> = path
            .split('/')
            .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        assert_eq!(in_path, placeholders, "{method} {path}: path parameters");
        let responses = operation["responses"].as_object().unwrap();
        let keyed = operation["security"]
            .as_array()
            .is_some_and(|alternatives| {
                alternatives
                    .iter()
                    .any(|s| !s.as_object().unwrap().is_empty())
            });
        if keyed {
            for requirement in operation["security"].as_array().unwrap() {
                for scheme in requirement.as_object().unwrap().keys() {
                    assert!(schemes.contains_key(scheme), "{method} {path}: {scheme}");
                }
            }
            assert!(responses.contains_key("401"), "{method} {path} takes a key");
        }
        if operation.get("requestBody").is_some() {
            for status in ["400", "413", "422"] {
                assert!(responses.contains_key(status), "{method} {path}: {status}");
            }
        }
        for (status, response) in responses {
            if status.starts_with(['4', '5']) {
                let shown = serde_json::to_string(response).unwrap();
                assert!(
                    shown.contains("ErrorBody") || shown.contains("#/components/responses/"),
                    "{method} {path} {status} lacks the error body"
                );
            }
        }
    }
}
