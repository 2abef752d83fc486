//! Real-time delivery over real WebSocket clients (`API.md` §6).

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::{
    helpers::{spawn_app, spawn_app_with, spawn_unlimited, EngineKind, TestApp},
    ws_client::{Closed, WsClient},
};

every_deployment!(
    two_users_see_each_others_messages_in_order,
    five_concurrent_senders_reach_every_receiver_in_one_order,
    a_sync_after_reconnect_replays_exactly_the_missed_messages,
    a_slow_reader_is_closed_with_4009_while_others_keep_receiving,
    key_rotation_and_revocation_close_sockets_with_4003,
    typing_expires_and_presence_follows_connections,
    rooms_above_the_presence_size_send_no_presence_frames,
    reads_edits_deletes_and_reactions_reach_members,
    a_resend_over_ws_returns_the_original,
    joining_over_ws_subscribes_the_socket,
    refusals_have_their_codes,
    an_expired_key_closes_with_4002,
    a_graceful_stop_tells_sockets_1012,
    a_sender_over_its_rate_is_refused_then_closed_with_4008,
);

/// A room owned by a new user, with a second user in it; (room, owner key, member key).
async fn room_with_two(app: &TestApp) -> (String, String, String, String, String) {
    let (owner_id, owner, _) = app.new_user().await;
    let (member_id, member, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "Live"})).await;
    app.join(&member, &room).await;
    (room, owner_id, owner, member_id, member)
}

fn is_new_message(frame: &Value) -> bool {
    frame["type"] == "message.new"
}

async fn two_users_see_each_others_messages_in_order(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (room, owner_id, owner, _, member) = room_with_two(&app).await;
    let (mut a, ready) = WsClient::connect(&app, &owner).await;
    assert_eq!(ready["user"]["id"], owner_id.as_str());
    assert_eq!(ready["rooms"], json!([{"room_id": room, "last_seq": 0}]));
    let (mut b, _) = WsClient::connect(&app, &member).await;

    let ack = a
        .request(
            "message.send",
            json!({"room_id": room, "content": "hello from A"}),
        )
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["data"]["seq"], 1);
    app.send(&member, &room, "hello from B").await;

    for client in [&mut a, &mut b] {
        let first = client.next(is_new_message).await;
        let second = client.next(is_new_message).await;
        assert_eq!(
            (
                first["data"]["seq"].clone(),
                first["data"]["content"].clone()
            ),
            (json!(1), json!("hello from A"))
        );
        assert_eq!(
            (
                second["data"]["seq"].clone(),
                second["data"]["content"].clone()
            ),
            (json!(2), json!("hello from B"))
        );
    }
}

async fn five_concurrent_senders_reach_every_receiver_in_one_order(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let (owner_id, owner, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "Busy"})).await;
    let mut senders = Vec::new();
    for _ in 0..5 {
        let (_, key, _) = app.new_user().await;
        app.join(&key, &room).await;
        senders.push(key);
    }
    let (_, watcher, _) = app.new_user().await;
    app.join(&watcher, &room).await;
    let (mut first, _) = WsClient::connect(&app, &owner).await;
    let (mut second, _) = WsClient::connect(&app, &watcher).await;

    let sending = senders.iter().enumerate().map(|(s, key)| {
        let app = &app;
        let room = &room;
        async move {
            for i in 0..200 {
                app.send(key, room, &format!("{s}:{i}")).await;
            }
        }
    });
    join_all(sending).await;

    let mut orders = Vec::new();
    for client in [&mut first, &mut second] {
        let mut seen = Vec::with_capacity(1000);
        for expected in 1..=1000u64 {
            let frame = client.next(is_new_message).await;
            assert_eq!(frame["data"]["seq"], expected);
            seen.push(frame["data"]["content"].as_str().unwrap().to_owned());
        }
        orders.push(seen);
    }
    assert_eq!(orders[0], orders[1]);
    // Each sender's own messages keep their order.
    for s in 0..5 {
        let mine: Vec<_> = orders[0]
            .iter()
            .filter(|c| c.starts_with(&format!("{s}:")))
            .cloned()
            .collect();
        let expected: Vec<_> = (0..200).map(|i| format!("{s}:{i}")).collect();
        assert_eq!(mine, expected);
    }
    let _ = owner_id;
}

async fn a_sync_after_reconnect_replays_exactly_the_missed_messages(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let (room, _, owner, _, member) = room_with_two(&app).await;
    app.send(&owner, &room, "before").await;
    let (mut b, ready) = WsClient::connect(&app, &member).await;
    assert_eq!(ready["rooms"][0]["last_seq"], 1);
    drop(b);
    for i in 0..50 {
        app.send(&owner, &room, &format!("missed {i}")).await;
    }
    (b, _) = WsClient::connect(&app, &member).await;
    b.send_raw(json!({"type": "sync", "id": "s1", "data": {"rooms": {room.clone(): 1}}}))
        .await;
    let mut replayed = Vec::new();
    loop {
        let frame = b.next(|f| is_new_message(f) || f["id"] == "s1").await;
        if frame["type"] == "ack" {
            assert_eq!(frame["data"]["truncated"], false);
            assert_eq!(frame["data"]["rooms"][room.as_str()], 51);
            break;
        }
        replayed.push(frame["data"]["seq"].as_u64().unwrap());
    }
    assert_eq!(replayed, (2..=51).collect::<Vec<_>>());
    app.send(&owner, &room, "live").await;
    let live = b.next(is_new_message).await;
    assert_eq!(live["data"]["seq"], 52);
    assert!(
        b.stays_quiet(Duration::from_millis(300), is_new_message)
            .await,
        "a duplicate arrived"
    );
}

async fn a_slow_reader_is_closed_with_4009_while_others_keep_receiving(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let (room, _, owner, _, member) = room_with_two(&app).await;
    let (mut fast, _) = WsClient::connect(&app, &owner).await;
    let (mut slow, _) = WsClient::connect(&app, &member).await;
    let big = "x".repeat(9_000);
    let total = 1_500u64;
    // The slow client reads nothing while the room fills its socket and its queue.
    for expected in 1..=total {
        app.send(&owner, &room, &big).await;
        let frame = fast.next(is_new_message).await;
        assert_eq!(frame["data"]["seq"], expected);
    }
    assert_eq!(slow.closed().await, Closed::Code(4009));
}

async fn key_rotation_and_revocation_close_sockets_with_4003(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (id, key, email) = app.new_user().await;
    let (mut old, _) = WsClient::connect(&app, &key).await;
    let new_key = app.login(&email).await;
    assert_eq!(old.closed().await, Closed::Code(4003));
    let (mut current, _) = WsClient::connect_with_header(&app, &new_key).await.unwrap();
    assert!(
        current
            .stays_quiet(Duration::from_millis(200), |_| true)
            .await
    );
    app.post(&format!("/users/{id}/revoke"), &app.master_key, json!({}))
        .await;
    assert_eq!(current.closed().await, Closed::Code(4003));
    let key = app.login(&email).await;
    let (mut socket, _) = WsClient::connect(&app, &key).await;
    app.patch(
        &format!("/users/{id}"),
        &app.master_key,
        json!({"is_active": false}),
    )
    .await;
    assert_eq!(socket.closed().await, Closed::Code(4003));
}

async fn typing_expires_and_presence_follows_connections(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (room, owner_id, owner, member_id, member) = room_with_two(&app).await;
    let (mut a, _) = WsClient::connect(&app, &owner).await;
    let (mut b, _) = WsClient::connect(&app, &member).await;
    let online = a
        .next(|f| f["type"] == "presence" && f["data"]["user_id"] == member_id.as_str())
        .await;
    assert_eq!(online["data"]["online"], true);
    let presence = app.get(&format!("/rooms/{room}/presence"), &owner).await;
    assert_eq!(presence.body["count"], 2);
    let query = a
        .request("presence.query", json!({ "room_id": room }))
        .await;
    assert_eq!(query["data"]["count"], 2);

    let ack = a
        .request("typing", json!({"room_id": room, "is_typing": true}))
        .await;
    assert_eq!(ack["type"], "ack");
    let typing = b.next_of("typing").await;
    assert_eq!(
        typing["data"],
        json!({"room_id": room, "user_id": owner_id, "is_typing": true})
    );
    let started = std::time::Instant::now();
    let expired = b.next_of("typing").await;
    assert_eq!(expired["data"]["is_typing"], false);
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "typing cleared too early"
    );

    drop(b);
    let offline = a
        .next(|f| f["type"] == "presence" && f["data"]["online"] == false)
        .await;
    assert_eq!(offline["data"]["user_id"], member_id.as_str());
}

/// `CHATAPI_PRESENCE_EVENTS_MAX_MEMBERS` (here 2): in a room of 3 nobody is told of
/// connects, yet presence can be asked; once a member leaves, frames come again.
async fn rooms_above_the_presence_size_send_no_presence_frames(engine: EngineKind) {
    let app = spawn_app_with(engine, |s| s.presence_events_max_members = 2).await;
    let (room, _, owner, member_id, member) = room_with_two(&app).await;
    let (_, third, _) = app.new_user().await;
    app.join(&third, &room).await;
    let (mut a, _) = WsClient::connect(&app, &owner).await;
    let (b, _) = WsClient::connect(&app, &member).await;
    let (c, _) = WsClient::connect(&app, &third).await;
    let is_presence = |f: &Value| f["type"] == "presence";
    assert!(a.stays_quiet(Duration::from_millis(500), is_presence).await);
    let query = a
        .request("presence.query", json!({ "room_id": room }))
        .await;
    assert_eq!(query["data"]["count"], 3, "{query}");
    let presence = app.get(&format!("/rooms/{room}/presence"), &owner).await;
    assert_eq!(presence.body["count"], 3, "{presence:?}");

    drop(c);
    let left = app
        .post("/rooms/leave", &third, json!({ "room_id": room }))
        .await;
    assert_eq!(left.status, 204, "{left:?}");
    a.next_of("member.left").await;
    drop(b);
    let offline = a
        .next(|f| f["type"] == "presence" && f["data"]["online"] == false)
        .await;
    assert_eq!(offline["data"]["user_id"], member_id.as_str());
}

async fn reads_edits_deletes_and_reactions_reach_members(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (room, _, owner, member_id, member) = room_with_two(&app).await;
    let (mut a, _) = WsClient::connect(&app, &owner).await;
    let (mut b, _) = WsClient::connect(&app, &member).await;
    let sent = a
        .request("message.send", json!({"room_id": room, "content": "v1"}))
        .await;
    let id = sent["data"]["id"].as_str().unwrap().to_owned();
    b.next(is_new_message).await;

    let read = b.request("read", json!({"room_id": room, "seq": 1})).await;
    assert_eq!(
        read["data"],
        json!({"room_id": room, "last_read_seq": 1, "unread_count": 0})
    );
    let receipt = a.next_of("read").await;
    assert_eq!(
        receipt["data"],
        json!({"room_id": room, "user_id": member_id, "seq": 1})
    );

    let edited = a
        .request("message.edit", json!({"message_id": id, "content": "v2"}))
        .await;
    assert_eq!(edited["data"]["content"], "v2");
    assert_eq!(b.next_of("message.updated").await["data"]["content"], "v2");
    let refused = b
        .request("message.edit", json!({"message_id": id, "content": "v3"}))
        .await;
    assert_eq!(refused["type"], "error");
    assert_eq!(refused["data"]["error_code"], "INSUFFICIENT_PERMISSIONS");

    b.request("reaction.add", json!({"message_id": id, "emoji": "🎉"}))
        .await;
    let reaction = a.next_of("reaction.updated").await;
    assert_eq!(reaction["data"]["reactions"], json!({"🎉": 1}));
    b.request("reaction.remove", json!({"message_id": id, "emoji": "🎉"}))
        .await;
    assert_eq!(
        a.next_of("reaction.updated").await["data"]["reactions"],
        json!({})
    );

    let deleted = a
        .request("message.delete", json!({ "message_id": id }))
        .await;
    assert_eq!(deleted["data"], json!({}));
    let event = b.next_of("message.deleted").await;
    assert_eq!(event["data"]["id"], id.as_str());
    assert_eq!(event["data"]["seq"], 1);

    let patch = app
        .patch(
            &format!("/rooms/{room}"),
            &owner,
            json!({"name": "Renamed"}),
        )
        .await;
    assert_eq!(patch.status, 200);
    assert_eq!(b.next_of("room.updated").await["data"]["name"], "Renamed");
    assert_eq!(
        app.delete(&format!("/rooms/{room}"), &owner).await.status,
        204
    );
    assert_eq!(
        b.next_of("room.deleted").await["data"]["room_id"],
        room.as_str()
    );
}

async fn a_resend_over_ws_returns_the_original(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (room, _, owner, _, member) = room_with_two(&app).await;
    let (mut a, _) = WsClient::connect(&app, &owner).await;
    let (mut b, _) = WsClient::connect(&app, &member).await;
    let data = json!({"room_id": room, "content": "exactly once", "client_msg_id": "k-1"});
    let first = a.request("message.send", data.clone()).await;
    let again = a.request("message.send", data).await;
    assert_eq!(first["data"]["id"], again["data"]["id"]);
    assert_eq!(again["data"]["seq"], 1);
    b.next(is_new_message).await;
    assert!(
        b.stays_quiet(Duration::from_millis(300), is_new_message)
            .await
    );
    let rest = app
        .post(
            "/messages",
            &owner,
            json!({"room_id": room, "content": "exactly once", "client_msg_id": "k-1"}),
        )
        .await;
    assert_eq!(rest.status, 200);
    assert_eq!(rest.body["id"], first["data"]["id"]);
}

async fn joining_over_ws_subscribes_the_socket(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, owner, _) = app.new_user().await;
    let (_, joiner, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "Later"})).await;
    let (mut socket, ready) = WsClient::connect(&app, &joiner).await;
    assert_eq!(ready["rooms"], json!([]));
    let refused = socket
        .request("message.send", json!({"room_id": room, "content": "hi"}))
        .await;
    assert_eq!(refused["data"]["error_code"], "NOT_A_MEMBER");
    let joined = socket
        .request("room.join", json!({ "room_id": room }))
        .await;
    assert_eq!(joined["data"]["role"], "member");
    app.send(&owner, &room, "welcome").await;
    assert_eq!(
        socket.next(is_new_message).await["data"]["content"],
        "welcome"
    );
    let left = socket
        .request("room.leave", json!({ "room_id": room }))
        .await;
    assert_eq!(left["type"], "ack");
    app.send(&owner, &room, "gone").await;
    assert!(
        socket
            .stays_quiet(Duration::from_millis(300), is_new_message)
            .await
    );
}

async fn refusals_have_their_codes(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, key, _) = app.new_user().await;

    let mut unauthenticated = WsClient::open(&app).await;
    unauthenticated.send_raw(json!({"type": "ping"})).await;
    assert_eq!(
        unauthenticated.next_of("error").await["data"]["error_code"],
        "INVALID_CREDENTIALS"
    );
    assert_eq!(unauthenticated.closed().await, Closed::Code(4001));

    let mut wrong = WsClient::open(&app).await;
    wrong
        .send_raw(json!({"type": "auth", "token": format!("sk_user_{}", "Q".repeat(40))}))
        .await;
    assert_eq!(wrong.closed().await, Closed::Code(4001));

    let mut master = WsClient::open(&app).await;
    master
        .send_raw(json!({"type": "auth", "token": app.master_key}))
        .await;
    assert_eq!(master.closed().await, Closed::Code(4001));

    assert_eq!(
        WsClient::connect_with_header(&app, "sk_user_nope")
            .await
            .err(),
        Some(401)
    );

    let (mut socket, _) = WsClient::connect(&app, &key).await;
    let unknown = socket.request("dance", json!({})).await;
    assert_eq!(unknown["data"]["error_code"], "VALIDATION_ERROR");
    socket.send_text("not json".into()).await;
    assert_eq!(
        socket.next_of("error").await["data"]["error_code"],
        "INVALID_JSON"
    );
    let bad_data = socket
        .request("message.send", json!({"room_id": "x"}))
        .await;
    assert_eq!(bad_data["data"]["error_code"], "VALIDATION_ERROR");
    socket.send_raw(json!({"type": "ping", "id": "p1"})).await;
    assert_eq!(socket.next_of("pong").await["id"], "p1");
    socket.send_text("x".repeat(70_000)).await;
    assert_eq!(socket.closed().await, Closed::Code(1009));

    let mut silent = WsClient::open(&app).await;
    assert_eq!(silent.closed().await, Closed::Code(1008));
}

async fn an_expired_key_closes_with_4002(engine: EngineKind) {
    let app = spawn_app_with(engine, |s| s.scoped_key_ttl = Duration::from_secs(2)).await;
    let (_, key, _) = app.new_user().await;
    let (mut socket, _) = WsClient::connect(&app, &key).await;
    assert_eq!(socket.closed().await, Closed::Code(4002));
}

async fn a_graceful_stop_tells_sockets_1012(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (room, _, owner, _, member) = room_with_two(&app).await;
    let (mut a, _) = WsClient::connect(&app, &owner).await;
    let (mut b, _) = WsClient::connect(&app, &member).await;
    let acked = a
        .request(
            "message.send",
            json!({"room_id": room, "content": "last words"}),
        )
        .await;
    assert_eq!(acked["type"], "ack");
    app.stopper.stop().await;
    for socket in [&mut a, &mut b] {
        assert_eq!(socket.closed().await, Closed::Code(1012));
    }
}

async fn a_sender_over_its_rate_is_refused_then_closed_with_4008(engine: EngineKind) {
    // One unit a second refills, so however slowly a loaded machine stores the burst
    // the refusals after it come in a row.
    let app = spawn_app_with(engine, |s| s.rate_limits.messages_per_sec = 1).await;
    let (room, _, owner, _, _) = room_with_two(&app).await;
    let (mut socket, _) = WsClient::connect(&app, &owner).await;
    // 40 fit the burst; the next ones are refused, and 20 refusals in a row close it.
    for i in 0..100 {
        let frame = json!({"type": "message.send", "id": format!("m{i}"), "data": {"room_id": room, "content": "spam"}});
        socket.send_raw(frame).await;
    }
    let refused = socket
        .next(|f| f["type"] == "error" && f["data"]["error_code"] == "RATE_LIMIT_EXCEEDED")
        .await;
    assert_eq!(refused["data"]["status_code"], 429);
    assert_eq!(socket.closed().await, Closed::Code(4008));
    let history = app
        .get(&format!("/rooms/{room}/messages?limit=200"), &owner)
        .await;
    let stored = history.body["data"].as_array().unwrap().len();
    assert!((40..100).contains(&stored), "{stored} stored");
}
