//! Tenant isolation: another client's ids must look exactly like ids that do not
//! exist, so a caller cannot even learn that they exist. Each id-taking route gets
//! the other client's id and a random absent one, and must answer both alike, with
//! the not-found code of the id's kind.

use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_unlimited, EngineKind, Reply, TestApp};

every_deployment!(another_clients_ids_answer_exactly_like_absent_ids);

/// What the other client owns: a user, its room and a message in it.
struct Foreign {
    user: String,
    room: String,
    message: String,
}

async fn foreign_records(app: &TestApp) -> Foreign {
    let (_, master) = app.register_client("Other App").await;
    let user = app
        .post(
            "/users",
            &master,
            json!({"email": "other@example.com", "username": "other"}),
        )
        .await;
    assert_eq!(user.status, 201, "{user:?}");
    let key = user.body["scoped_api_key"].as_str().unwrap();
    let room = app.create_room(key, json!({"name": "theirs"})).await;
    let message = app.send(key, &room, "secret").await;
    Foreign {
        user: user.body["id"].as_str().unwrap().to_owned(),
        room,
        message: message["id"].as_str().unwrap().to_owned(),
    }
}

/// One probe: a method, a path and a body, each with `{id}` where the id goes.
struct Probe {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    /// Whose key asks: the client's master key or its user's scoped key.
    master: bool,
    /// The answer an absent id gets (a status, and a code for a refusal).
    expected: (u16, &'static str),
}

fn probe(method: Method, path: &'static str, body: Option<Value>, master: bool) -> Probe {
    Probe {
        method,
        path,
        body,
        master,
        expected: (404, ""),
    }
}

/// The probes for ids of one kind, each expecting `code` (404) for an absent id.
fn with_code(code: &'static str, probes: Vec<Probe>) -> Vec<Probe> {
    probes
        .into_iter()
        .map(|p| Probe {
            expected: (404, code),
            ..p
        })
        .collect()
}

fn fill(text: &str, id: &str, own_room: &str) -> String {
    text.replace("{id}", id).replace("{room}", own_room)
}

async fn another_clients_ids_answer_exactly_like_absent_ids(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let foreign = foreign_records(&app).await;
    let (mine, key, _) = app.new_user().await;
    let own_room = app.create_room(&key, json!({"name": "mine"})).await;
    app.send(&key, &own_room, "hello").await;
    let (m, u) = (true, false);
    use Method as M;
    let message_probes = with_code(
        "MESSAGE_NOT_FOUND",
        vec![
            probe(M::GET, "/messages/{id}", None, m),
            probe(M::GET, "/messages/{id}", None, u),
            probe(M::PATCH, "/messages/{id}", Some(json!({"content": "x"})), u),
            probe(
                M::POST,
                "/messages/{id}/reactions",
                Some(json!({"emoji": "ok"})),
                u,
            ),
            probe(M::DELETE, "/messages/{id}/reactions/ok", None, u),
            probe(
                M::POST,
                "/messages",
                Some(json!({"room_id": "{room}", "content": "x", "reply_to": "{id}"})),
                u,
            ),
            probe(M::DELETE, "/messages/{id}", None, u),
            probe(M::DELETE, "/messages/{id}", None, m),
        ],
    );
    let room_probes = with_code(
        "ROOM_NOT_FOUND",
        vec![
            probe(M::GET, "/rooms/{id}", None, m),
            probe(M::GET, "/rooms/{id}", None, u),
            probe(M::PATCH, "/rooms/{id}", Some(json!({"name": "x"})), m),
            probe(M::POST, "/rooms/{id}/join", None, u),
            probe(M::POST, "/rooms/join", Some(json!({"room_id": "{id}"})), u),
            probe(M::POST, "/rooms/{id}/leave", None, u),
            probe(M::POST, "/rooms/leave", Some(json!({"room_id": "{id}"})), u),
            probe(M::GET, "/rooms/{id}/members", None, m),
            probe(
                M::POST,
                "/rooms/{id}/members",
                Some(json!({ "user_id": mine })),
                m,
            ),
            probe(M::DELETE, "/rooms/{id}/members/{id}", None, m),
            probe(M::GET, "/rooms/{id}/presence", None, u),
            probe(M::POST, "/rooms/{id}/read", Some(json!({"seq": 1})), u),
            probe(M::GET, "/rooms/{id}/messages", None, m),
            probe(
                M::POST,
                "/messages",
                Some(json!({"room_id": "{id}", "content": "x"})),
                u,
            ),
            probe(M::DELETE, "/rooms/{id}", None, m),
        ],
    );
    let user_probes = with_code(
        "USER_NOT_FOUND",
        vec![
            probe(M::GET, "/users/{id}", None, m),
            probe(M::PATCH, "/users/{id}", Some(json!({"full_name": "x"})), m),
            probe(M::POST, "/users/{id}/revoke", None, m),
            probe(
                M::POST,
                "/rooms/{room}/members",
                Some(json!({"user_id": "{id}"})),
                u,
            ),
            probe(M::DELETE, "/rooms/{room}/members/{id}", None, u),
            probe(
                M::POST,
                "/rooms/direct",
                Some(json!({"user_id": "{id}"})),
                u,
            ),
            probe(M::DELETE, "/users/{id}", None, m),
        ],
    );
    let mut filtered = probe(M::GET, "/security-events?user_id={id}", None, m);
    filtered.expected = (200, "");
    let kinds = [
        (&foreign.message, message_probes),
        (&foreign.room, room_probes),
        (&foreign.user, user_probes),
        (&foreign.user, vec![filtered]),
    ];
    for (theirs, probes) in kinds {
        for probe in probes {
            let key = if probe.master { &app.master_key } else { &key };
            let absent = ask(&app, key, &probe, &Uuid::new_v4().to_string(), &own_room).await;
            let probed = ask(&app, key, &probe, theirs, &own_room).await;
            let what = format!("{} {}", probe.method, probe.path);
            assert_eq!(answer(&probed), answer(&absent), "{what}: {probed:?}");
            let (status, code) = probe.expected;
            assert_eq!(answer(&absent).0, status, "{what}: {absent:?}");
            assert_eq!(answer(&absent).1, code, "{what}: {absent:?}");
        }
    }
}

/// Sends `probe` with `id` in it, and `own_room` where it names the caller's room.
async fn ask(app: &TestApp, key: &str, probe: &Probe, id: &str, own_room: &str) -> Reply {
    let path = fill(probe.path, id, own_room);
    let body = probe
        .body
        .as_ref()
        .map(|body| serde_json::from_str(&fill(&body.to_string(), id, own_room)).unwrap());
    app.request(probe.method.clone(), &path, Some(key), body)
        .await
}

/// What a caller can tell two answers apart by: the status, the code, the data.
fn answer(reply: &Reply) -> (u16, String, Value) {
    let code = reply.body["error_code"].as_str().unwrap_or("").to_owned();
    (reply.status, code, reply.body["data"].clone())
}
