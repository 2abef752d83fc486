//! Messages over REST: sending, history, read positions, edits, deletes, reactions.

use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::{awkward_floats, spawn_app, spawn_unlimited, EngineKind};

every_deployment!(
    messages_get_gapless_seqs_and_history_reads_both_ways,
    read_positions_move_forward_and_drive_unread_counts,
    a_resent_client_msg_id_returns_the_original,
    who_may_post_where,
    sends_arriving_together_are_each_answered_for_themselves,
    only_the_sender_edits_and_managers_delete,
    reactions_count_each_user_once,
    a_message_holds_at_most_50_distinct_emoji,
    a_message_whose_metadata_holds_any_float_can_be_edited_and_reacted_to,
);

async fn messages_get_gapless_seqs_and_history_reads_both_ways(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (sender_id, key, _) = app.new_user().await;
    let room = app.create_room(&key, json!({"name": "History"})).await;
    for i in 1..=5 {
        let message = app.send(&key, &room, &format!("m{i}")).await;
        assert_eq!(message["seq"], i);
        assert_eq!(message["sender_id"], sender_id.as_str());
        assert_eq!(message["message_type"], "text");
        assert_eq!(message["reactions"], json!({}));
        for field in [
            "id",
            "room_id",
            "content",
            "metadata",
            "reply_to",
            "client_msg_id",
            "created_at",
            "edited_at",
            "deleted_at",
        ] {
            assert!(message.get(field).is_some(), "missing {field}");
        }
    }
    let seqs = |reply: &crate::helpers::Reply| -> Vec<u64> {
        reply.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["seq"].as_u64().unwrap())
            .collect()
    };
    let path = format!("/rooms/{room}/messages");
    assert_eq!(seqs(&app.get(&path, &key).await), [5, 4, 3, 2, 1]);
    assert_eq!(
        seqs(&app.get(&format!("{path}?before_seq=3"), &key).await),
        [2, 1]
    );
    let page = app.get(&format!("{path}?after_seq=2&limit=2"), &key).await;
    assert_eq!(seqs(&page), [3, 4]);
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!("{path}?limit=2&cursor={cursor}"), &key)
        .await;
    assert_eq!(seqs(&rest), [5]);
    assert_eq!(rest.body["next_cursor"], serde_json::Value::Null);
    assert_eq!(
        seqs(&app.get(&format!("{path}?after_seq=5"), &key).await),
        Vec::<u64>::new()
    );
    app.get(&format!("{path}?after_seq=1&before_seq=3"), &key)
        .await
        .assert_error(422, "VALIDATION_ERROR");
    app.get(&format!("{path}?limit=500"), &key)
        .await
        .assert_error(422, "VALIDATION_ERROR");
    assert_eq!(seqs(&app.get(&path, &app.master_key).await).len(), 5);

    let room_body = app.get(&format!("/rooms/{room}"), &key).await;
    assert_eq!(room_body.body["last_seq"], 5);
    assert!(room_body.body["last_message_at"].is_string());

    let first = app.get(&path, &key).await.body["data"][4]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fetched = app.get(&format!("/messages/{first}"), &key).await;
    assert_eq!(fetched.body["content"], "m1");
    let reply = app
        .post(
            "/messages",
            &key,
            json!({"room_id": room, "content": "re", "reply_to": first}),
        )
        .await;
    assert_eq!(reply.body["reply_to"], first.as_str());
    app.get(&format!("/messages/{}", uuid::Uuid::new_v4()), &key)
        .await
        .assert_error(404, "MESSAGE_NOT_FOUND");
    let bad = app
        .post(
            "/messages",
            &key,
            json!({"room_id": room, "content": "", "message_type": "video"}),
        )
        .await;
    bad.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(bad.error_fields(), ["content", "message_type"]);
    app.post(
        "/messages",
        &key,
        json!({"room_id": room, "content": "x".repeat(10_001)}),
    )
    .await
    .assert_error(422, "VALIDATION_ERROR");
}

async fn read_positions_move_forward_and_drive_unread_counts(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, owner, _) = app.new_user().await;
    let (_, reader, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "Reads"})).await;
    app.join(&reader, &room).await;
    for i in 0..5 {
        app.send(&owner, &room, &format!("m{i}")).await;
    }
    let unread =
        |reply: crate::helpers::Reply| reply.body["data"][0]["unread_count"].as_u64().unwrap();
    assert_eq!(unread(app.get("/rooms", &reader).await), 5);
    let path = format!("/rooms/{room}/read");
    let read = app.post(&path, &reader, json!({"seq": 3})).await;
    assert_eq!(read.status, 200, "{read:?}");
    assert_eq!(
        read.body,
        json!({"room_id": room, "last_read_seq": 3, "unread_count": 2})
    );
    let back = app.post(&path, &reader, json!({"seq": 1})).await;
    assert_eq!(back.body["last_read_seq"], 3);
    let beyond = app.post(&path, &reader, json!({"seq": 99})).await;
    assert_eq!(beyond.body["last_read_seq"], 5);
    assert_eq!(unread(app.get("/rooms", &reader).await), 0);
    assert_eq!(
        app.get("/rooms", &reader).await.body["data"][0]["last_read_seq"],
        5
    );
    let (_, outsider, _) = app.new_user().await;
    app.post(&path, &outsider, json!({"seq": 1}))
        .await
        .assert_error(403, "NOT_A_MEMBER");
    app.post(&path, &app.master_key, json!({"seq": 1}))
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
}

async fn a_resent_client_msg_id_returns_the_original(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, key, _) = app.new_user().await;
    let room = app.create_room(&key, json!({"name": "Retry"})).await;
    let body = json!({"room_id": room, "content": "once", "client_msg_id": "c-1"});
    let first = app.post("/messages", &key, body.clone()).await;
    assert_eq!(first.status, 201);
    let again = app.post("/messages", &key, body).await;
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.body["seq"], 1);
    let other = app
        .post(
            "/messages",
            &key,
            json!({"room_id": room, "content": "twice", "client_msg_id": "c-2"}),
        )
        .await;
    assert_eq!(other.body["seq"], 2);
    let history = app.get(&format!("/rooms/{room}/messages"), &key).await;
    assert_eq!(history.body["data"].as_array().unwrap().len(), 2);
}

async fn who_may_post_where(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, owner, _) = app.new_user().await;
    let (_, member, _) = app.new_user().await;
    let (_, outsider, _) = app.new_user().await;
    let channel = app
        .create_room(&owner, json!({"name": "News", "room_type": "channel"}))
        .await;
    app.join(&member, &channel).await;
    app.send(&owner, &channel, "announcement").await;
    app.post(
        "/messages",
        &member,
        json!({"room_id": channel, "content": "hi"}),
    )
    .await
    .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    app.post(
        "/messages",
        &outsider,
        json!({"room_id": channel, "content": "hi"}),
    )
    .await
    .assert_error(403, "NOT_A_MEMBER");
    let system = app
        .post(
            "/messages",
            &app.master_key,
            json!({"room_id": channel, "content": "maintenance", "message_type": "system"}),
        )
        .await;
    assert_eq!(system.status, 201, "{system:?}");
    assert_eq!(system.body["sender_id"], serde_json::Value::Null);
    app.post(
        "/messages",
        &app.master_key,
        json!({"room_id": channel, "content": "plain"}),
    )
    .await
    .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    app.post(
        "/messages",
        &owner,
        json!({"room_id": channel, "content": "x", "message_type": "system"}),
    )
    .await
    .assert_error(403, "INSUFFICIENT_PERMISSIONS");
}

/// Sends that reach a room together are committed as one batch: each is still
/// checked and answered on its own, and the accepted ones get gapless seqs.
async fn sends_arriving_together_are_each_answered_for_themselves(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let (_, owner, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "Together"})).await;
    let mut members = Vec::new();
    for _ in 0..10 {
        let (_, key, _) = app.new_user().await;
        app.join(&key, &room).await;
        members.push(key);
    }
    let (_, outsider, _) = app.new_user().await;
    let sends = members.iter().flat_map(|member| {
        let (app, room) = (&app, &room);
        let outsider = &outsider;
        [
            (true, member.as_str(), None),
            (false, outsider.as_str(), None),
            (true, member.as_str(), Some("twice")),
            (true, member.as_str(), Some("twice")),
        ]
        .map(|(allowed, key, cmid)| async move {
            let body = json!({"room_id": room, "content": "x", "client_msg_id": cmid});
            (allowed, key, app.post("/messages", key, body).await)
        })
    });
    let answers = join_all(sends).await;
    let mut seqs = Vec::new();
    let mut repeats = std::collections::HashMap::new();
    for (allowed, key, answer) in answers {
        if !allowed {
            answer.assert_error(403, "NOT_A_MEMBER");
            continue;
        }
        assert!(matches!(answer.status, 200 | 201), "{answer:?}");
        let seq = answer.body["seq"].as_u64().unwrap();
        if answer.body["client_msg_id"] == "twice" {
            // The pair of one sender's repeats: one stored message, answered twice.
            repeats.entry(key).or_insert_with(Vec::new).push(seq);
            if repeats[key].len() == 2 {
                assert_eq!(
                    repeats[key][0], repeats[key][1],
                    "{key}: {:?}",
                    repeats[key]
                );
                seqs.push(seq);
            }
        } else {
            seqs.push(seq);
        }
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=20).collect::<Vec<u64>>());
    let history = app
        .get(&format!("/rooms/{room}/messages?limit=100"), &owner)
        .await;
    assert_eq!(history.body["data"].as_array().unwrap().len(), 20);
}

async fn only_the_sender_edits_and_managers_delete(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, owner, _) = app.new_user().await;
    let (_, author, _) = app.new_user().await;
    let (_, other, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "Edits"})).await;
    app.join(&author, &room).await;
    app.join(&other, &room).await;
    let id = app.send(&author, &room, "draft").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/messages/{id}");

    app.patch(&path, &other, json!({"content": "hijack"}))
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    let edited = app.patch(&path, &author, json!({"content": "final"})).await;
    assert_eq!(edited.status, 200, "{edited:?}");
    assert_eq!(edited.body["content"], "final");
    assert!(edited.body["edited_at"].is_string());
    app.patch(&path, &author, json!({"content": ""}))
        .await
        .assert_error(422, "VALIDATION_ERROR");

    app.delete(&path, &other)
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
    assert_eq!(app.delete(&path, &owner).await.status, 204);
    let deleted = app.get(&path, &author).await;
    assert_eq!(deleted.body["content"], "");
    assert!(deleted.body["deleted_at"].is_string());
    assert_eq!(
        app.delete(&path, &author).await.status,
        204,
        "deleting twice is harmless"
    );
    app.patch(&path, &author, json!({"content": "back"}))
        .await
        .assert_error(404, "MESSAGE_NOT_FOUND");

    let second = app.send(&author, &room, "second").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.delete(&format!("/messages/{second}"), &author)
            .await
            .status,
        204
    );
    let third = app.send(&author, &room, "third").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.delete(&format!("/messages/{third}"), &app.master_key)
            .await
            .status,
        204
    );
}

async fn reactions_count_each_user_once(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, a, _) = app.new_user().await;
    let (_, b, _) = app.new_user().await;
    let room = app.create_room(&a, json!({"name": "Reactions"})).await;
    app.join(&b, &room).await;
    let id = app.send(&a, &room, "react to me").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/messages/{id}/reactions");
    let first = app.post(&path, &a, json!({"emoji": "👍"})).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.body["reactions"], json!({"👍": 1}));
    app.post(&path, &a, json!({"emoji": "👍"})).await;
    let both = app.post(&path, &b, json!({"emoji": "👍"})).await;
    assert_eq!(both.body["reactions"], json!({"👍": 2}));
    let removed = app.delete(&format!("{path}/👍"), &a).await;
    assert_eq!(removed.status, 204);
    assert_eq!(
        app.get(&format!("/messages/{id}"), &b).await.body["reactions"],
        json!({"👍": 1})
    );
    app.post(&path, &b, json!({"emoji": "x".repeat(33)}))
        .await
        .assert_error(422, "VALIDATION_ERROR");
    app.post(&path, &app.master_key, json!({"emoji": "👍"}))
        .await
        .assert_error(403, "INSUFFICIENT_PERMISSIONS");
}

async fn a_message_holds_at_most_50_distinct_emoji(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let (_, a, _) = app.new_user().await;
    let (_, b, _) = app.new_user().await;
    let room = app.create_room(&a, json!({"name": "Crowded"})).await;
    app.join(&b, &room).await;
    let id = app.send(&a, &room, "react to me").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/messages/{id}/reactions");
    for i in 0..50 {
        let added = app
            .post(&path, &a, json!({ "emoji": format!("e{i}") }))
            .await;
        assert_eq!(added.status, 200, "{added:?}");
    }
    for key in [&a, &b] {
        let refused = app.post(&path, key, json!({"emoji": "one-too-many"})).await;
        refused.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(refused.error_fields(), ["emoji"]);
    }
    let existing = app.post(&path, &b, json!({"emoji": "e0"})).await;
    assert_eq!(existing.status, 200, "{existing:?}");
    assert_eq!(existing.body["reactions"]["e0"], 2);
    assert_eq!(app.delete(&format!("{path}/e1"), &a).await.status, 204);
    let freed = app.post(&path, &b, json!({"emoji": "now-it-fits"})).await;
    assert_eq!(freed.status, 200, "{freed:?}");
    let reactions = &freed.body["reactions"];
    assert_eq!(reactions.as_object().unwrap().len(), 50, "{reactions}");
}

/// Found by the fuzz run: a float in a message's metadata that did not survive a trip
/// through the stored JSON text made every later edit or reaction of it a 503.
async fn a_message_whose_metadata_holds_any_float_can_be_edited_and_reacted_to(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, key, _) = app.new_user().await;
    let room = app.create_room(&key, json!({"name": "Floats"})).await;
    let sent = app
        .post(
            "/messages",
            &key,
            json!({"room_id": room, "content": "floats", "metadata": awkward_floats()}),
        )
        .await;
    assert_eq!(sent.status, 201, "{sent:?}");
    let id = sent.body["id"].as_str().unwrap();
    let edited = app
        .patch(
            &format!("/messages/{id}"),
            &key,
            json!({"content": "edited"}),
        )
        .await;
    assert_eq!(edited.status, 200, "{edited:?}");
    let reacted = app
        .post(
            &format!("/messages/{id}/reactions"),
            &key,
            json!({"emoji": "👍"}),
        )
        .await;
    assert_eq!(reacted.status, 200, "{reacted:?}");
    assert_eq!(reacted.body["metadata"], awkward_floats());
}
