//! Cursor paging (`API.md` §3): a client that follows `next_cursor` sees every item
//! once, and every list refuses, with 422 on the field `cursor`, any cursor it did not
//! issue.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde_json::{json, Value};

use crate::helpers::{spawn_unlimited, EngineKind, TestApp};

every_deployment!(
    following_next_cursor_walks_a_three_page_history_once_in_either_direction,
    following_next_cursor_walks_a_three_page_user_list_once,
    every_list_refuses_a_cursor_it_did_not_issue,
);

/// Follows `next_cursor` from `first` (a path without `cursor`) to the last page;
/// returns each page's items, by `field`.
async fn walk(app: &TestApp, first: &str, key: &str, field: &str) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut path = first.to_owned();
    loop {
        let page = app.get(&path, key).await;
        assert_eq!(page.status, 200, "{page:?}");
        let items = page.body["data"].as_array().unwrap();
        pages.push(items.iter().map(|item| item[field].clone()).collect());
        assert!(pages.len() <= 10, "next_cursor does not advance: {pages:?}");
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("{first}&cursor={cursor}"),
            None => return pages,
        }
    }
}

async fn following_next_cursor_walks_a_three_page_history_once_in_either_direction(
    engine: EngineKind,
) {
    let app = spawn_unlimited(engine).await;
    let (_, key, _) = app.new_user().await;
    let room = app.create_room(&key, json!({"name": "paged"})).await;
    for i in 1..=6 {
        app.send(&key, &room, &format!("m{i}")).await;
    }
    let newest_first = walk(
        &app,
        &format!("/rooms/{room}/messages?limit=2"),
        &key,
        "seq",
    )
    .await;
    assert_eq!(
        newest_first,
        [
            [json!(6), json!(5)],
            [json!(4), json!(3)],
            [json!(2), json!(1)]
        ]
    );
    let path = format!("/rooms/{room}/messages?after_seq=0&limit=2");
    let oldest_first = walk(&app, &path, &key, "seq").await;
    assert_eq!(
        oldest_first,
        [
            [json!(1), json!(2)],
            [json!(3), json!(4)],
            [json!(5), json!(6)]
        ]
    );
}

async fn following_next_cursor_walks_a_three_page_user_list_once(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let mut created = Vec::new();
    for _ in 0..6 {
        created.push(json!(app.new_user().await.0));
    }
    let pages = walk(&app, "/users?limit=2", &app.master_key, "id").await;
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert_eq!(pages.concat(), created);
}

/// Asserts that `path` (with a `?`) answers `cursor` with 422 on the field `cursor`.
async fn assert_refused(app: &TestApp, path: &str, key: &str, cursor: &str) {
    let reply = app.get(&format!("{path}&cursor={cursor}"), key).await;
    reply.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(
        reply.error_fields(),
        ["cursor"],
        "{path} {cursor}: {reply:?}"
    );
}

async fn every_list_refuses_a_cursor_it_did_not_issue(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let (_, key, _) = app.new_user().await;
    let (other, other_key, _) = app.new_user().await;
    let mut rooms = Vec::new();
    for name in ["a", "b"] {
        let room = app.create_room(&key, json!({ "name": name })).await;
        app.post(
            &format!("/rooms/{room}/members"),
            &key,
            json!({ "user_id": other }),
        )
        .await;
        app.send(&key, &room, "hello").await;
        app.send(&key, &room, "again").await;
        rooms.push(room);
    }
    let room = &rooms[0];
    let master = app.master_key.as_str();
    for title in ["one", "two"] {
        let body = json!({"user_ids": [other], "title": title, "body": "b"});
        let sent = app.post("/notifications", master, body).await;
        assert_eq!(sent.status, 201, "{sent:?}");
    }
    let lists = [
        ("/notifications?limit=1".to_owned(), other_key.as_str()),
        ("/users?limit=1".to_owned(), master),
        ("/security-events?limit=1".to_owned(), master),
        ("/rooms/all?limit=1".to_owned(), master),
        ("/rooms?limit=1".to_owned(), key.as_str()),
        (format!("/rooms/{room}/members?limit=1"), key.as_str()),
        (format!("/rooms/{room}/messages?limit=1"), key.as_str()),
    ];
    let mut issued = Vec::new();
    for (path, key) in &lists {
        let page = app.get(path, key).await;
        let cursor = page.body["next_cursor"].as_str();
        issued.push(cursor.expect("each list has a second page").to_owned());
    }
    let forged = |text: &str| URL_SAFE_NO_PAD.encode(text);
    let junk = [
        "garbage".to_owned(),
        "not%20base64%21".to_owned(),
        "====".to_owned(),
        forged("users:not-an-order-key"),
        forged("\u{0}\u{1}binary"),
        "99999999999999999999999".to_owned(),
        forged("events:99999999999999999999999-0"),
        forged("history:before:99999999999999999999999"),
        "2".to_owned(),
        "1700000000000-0".to_owned(),
    ];
    for (i, (path, key)) in lists.iter().enumerate() {
        for cursor in &junk {
            assert_refused(&app, path, key, cursor).await;
        }
        for (j, cursor) in issued.iter().enumerate() {
            if i != j {
                assert_refused(&app, path, key, cursor).await;
            }
        }
        let own = app.get(&format!("{path}&cursor={}", issued[i]), key).await;
        assert_eq!(own.status, 200, "{path}: {own:?}");
    }
}
