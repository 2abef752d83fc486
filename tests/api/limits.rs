//! The abuse limits of API.md §8, at their default settings, shared by every node,
//! and the holes around keys that a connect or a lost notice could open.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::{
    helpers::{
        spawn_app, spawn_app_with, spawn_cluster_with, spawn_unlimited, unlimited, EngineKind,
        Reply, TestApp,
    },
    ws_client::{Closed, WsClient},
};

every_deployment!(
    a_users_sends_share_one_bucket_on_every_node,
    rest_and_websocket_sends_draw_from_one_bucket,
    quick_logins_for_one_email_are_refused_and_others_are_not,
    a_users_connects_past_the_limit_are_refused,
    failed_authentications_from_one_address_are_refused,
    no_socket_outlives_a_key_rotated_during_a_connect_storm,
    a_client_msg_id_belongs_to_its_sender,
    a_sync_replays_a_bounded_total_and_says_truncated,
    a_truncated_sync_continued_from_its_ack_replays_the_rest,
    a_room_past_the_sync_budget_is_truncated_unread_and_replayed_next,
);

fn header(reply: &Reply, name: &str) -> u64 {
    reply
        .headers
        .get(name)
        .unwrap_or_else(|| panic!("{name} missing: {reply:?}"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// 120 sends, each to a node picked at random: about the burst (40) plus what 20/s
/// refills in the time taken goes through, not a burst per node.
async fn a_users_sends_share_one_bucket_on_every_node(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, key, _) = app.new_user().await;
    let room = app.create_room(&key, json!({"name": "Limited"})).await;
    let started = Instant::now();
    let sends = (0..120).map(|i| send_body(&app, &key, &room, i));
    let replies = join_all(sends).await;
    let elapsed = started.elapsed().as_secs_f64();
    let accepted: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    let refused: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(accepted.len() + refused.len(), 120, "{:?}", replies.first());
    let ceiling = 40 + (20.0 * elapsed).ceil() as usize + 1;
    assert!(
        (40..=ceiling).contains(&accepted.len()),
        "{} accepted in {elapsed:.2}s",
        accepted.len()
    );
    for reply in &accepted {
        assert_eq!(header(reply, "x-ratelimit-limit"), 40);
        assert!(header(reply, "x-ratelimit-remaining") < 40);
        assert!(header(reply, "x-ratelimit-reset") <= 2);
    }
    let mut remaining: Vec<u64> = accepted
        .iter()
        .map(|r| header(r, "x-ratelimit-remaining"))
        .collect();
    remaining.sort_unstable();
    remaining.dedup();
    assert!(remaining.len() > 30, "each accepted send saw its own count");
    for reply in &refused {
        reply.assert_error(429, "RATE_LIMIT_EXCEEDED");
        assert_eq!(header(reply, "retry-after"), 1);
        assert_eq!(header(reply, "x-ratelimit-remaining"), 0);
        assert_eq!(header(reply, "x-ratelimit-limit"), 40);
    }
    let history = app
        .get(&format!("/rooms/{room}/messages?limit=100"), &key)
        .await;
    assert_eq!(
        history.body["data"].as_array().unwrap().len(),
        accepted.len()
    );
}

fn send_body<'a>(
    app: &'a TestApp,
    key: &'a str,
    room: &str,
    i: usize,
) -> impl std::future::Future<Output = Reply> + 'a {
    app.post(
        "/messages",
        key,
        json!({"room_id": room, "content": format!("m{i}")}),
    )
}

/// REST empties the bucket; a WebSocket send by the same user is then refused with
/// an `error` frame, and the socket stays open. (One unit a second refills, so the
/// bucket is still empty when the socket sends.)
async fn rest_and_websocket_sends_draw_from_one_bucket(engine: EngineKind) {
    let app = spawn_app_with(engine, |s| s.rate_limits.messages_per_sec = 1).await;
    let (_, key, _) = app.new_user().await;
    let room = app.create_room(&key, json!({"name": "Shared"})).await;
    let (mut socket, _) = WsClient::connect(&app, &key).await;
    let sends = (0..60).map(|i| send_body(&app, &key, &room, i));
    let replies = join_all(sends).await;
    assert!(replies.iter().any(|r| r.status == 429));
    let reply = socket
        .request(
            "message.send",
            json!({"room_id": room, "content": "one more"}),
        )
        .await;
    assert_eq!(reply["type"], "error", "{reply}");
    assert_eq!(
        reply["data"]["error_code"], "RATE_LIMIT_EXCEEDED",
        "{reply}"
    );
    socket.send_raw(json!({"type": "ping"})).await;
    socket.next_of("pong").await;
}

/// 10 logins a minute per email: the 11th to 15th are refused with `Retry-After`,
/// while another email of the same client logs in.
async fn quick_logins_for_one_email_are_refused_and_others_are_not(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, _, email) = app.new_user().await;
    let (_, _, other) = app.new_user().await;
    let mut statuses = Vec::new();
    for _ in 0..15 {
        let reply = app
            .post("/users/login", &app.master_key, json!({ "email": email }))
            .await;
        assert_eq!(header(&reply, "x-ratelimit-limit"), 10);
        if reply.status == 429 {
            reply.assert_error(429, "RATE_LIMIT_EXCEEDED");
            assert!(
                (1..=6).contains(&header(&reply, "retry-after")),
                "{reply:?}"
            );
        }
        statuses.push(reply.status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        5,
        "{statuses:?}"
    );
    let reply = app
        .post("/users/login", &app.master_key, json!({ "email": other }))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let upper = email.to_uppercase();
    app.post("/users/login", &app.master_key, json!({ "email": upper }))
        .await
        .assert_error(429, "RATE_LIMIT_EXCEEDED");
}

/// 30 connects a minute per user: the header-authenticated 31st gets 429 before the
/// upgrade, and one that authenticates by frame is closed with 4008.
async fn a_users_connects_past_the_limit_are_refused(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, key, _) = app.new_user().await;
    let mut open = Vec::new();
    for _ in 0..30 {
        open.push(WsClient::connect_with_header(&app, &key).await.unwrap());
    }
    for _ in 0..5 {
        assert_eq!(
            WsClient::connect_with_header(&app, &key).await.err(),
            Some(429)
        );
    }
    for _ in 0..5 {
        let mut late = WsClient::open(&app).await;
        late.send_raw(json!({"type": "auth", "token": key})).await;
        assert_eq!(late.closed().await, Closed::Code(4008));
    }
    let (other_id, other, _) = app.new_user().await;
    let (_, ready) = WsClient::connect(&app, &other).await;
    assert_eq!(ready["user"]["id"], other_id.as_str(), "{ready}");
    for (socket, _) in &mut open {
        socket.send_raw(json!({"type": "ping"})).await;
        socket.next_of("pong").await;
    }
}

/// 100 failed authentications a minute per client address; past that the next
/// failure is refused with 429. A good key still works: the limit bounds the load of
/// guessing, while a key's 238 random bits guard it (README, "Rate limits").
async fn failed_authentications_from_one_address_are_refused(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, key, _) = app.new_user().await;
    let bad = format!("sk_user_{}", "x".repeat(40));
    let tries = (0..100).map(|_| app.get("/users/me", &bad));
    for reply in join_all(tries).await {
        reply.assert_error(401, "INVALID_CREDENTIALS");
    }
    let refused = app.get("/users/me", &bad).await;
    refused.assert_error(429, "RATE_LIMIT_EXCEEDED");
    assert!(header(&refused, "retry-after") >= 1);
    assert_eq!(app.get("/users/me", &key).await.status, 200);
}

/// A login lands while 120 sockets of the same key are between authentication and
/// registration: every one of them ends closed, none stays open with the old key.
async fn no_socket_outlives_a_key_rotated_during_a_connect_storm(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let (_, key, email) = app.new_user().await;
    let storm = (0..120u64).map(|i| {
        let (app, key) = (&app, &key);
        async move {
            tokio::time::sleep(Duration::from_millis(i * 2)).await;
            let mut socket = WsClient::open(app).await;
            socket.send_raw(json!({"type": "auth", "token": key})).await;
            socket.closed().await
        }
    });
    let login = async {
        tokio::time::sleep(Duration::from_millis(120)).await;
        app.login(&email).await
    };
    let (ends, new_key) = tokio::join!(join_all(storm), login);
    for end in ends {
        assert!(
            matches!(end, Closed::Code(4001 | 4003)),
            "a socket of the old key ended with {end:?}"
        );
    }
    let (_, ready) = WsClient::connect(&app, &new_key).await;
    assert!(ready["user"]["id"].is_string(), "{ready}");
}

/// Another member's `client_msg_id` makes a new message of the sender's own; the
/// first sender's retry still returns the first sender's message.
async fn a_client_msg_id_belongs_to_its_sender(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (owner_id, owner, _) = app.new_user().await;
    let (member_id, member, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({"name": "Ids"})).await;
    app.join(&member, &room).await;
    let first = send_shared_id(&app, &room, &owner, "mine").await;
    assert_eq!(first.status, 201, "{first:?}");
    let other = send_shared_id(&app, &room, &member, "theirs").await;
    assert_eq!(other.status, 201, "{other:?}");
    assert_ne!(other.body["id"], first.body["id"]);
    assert_eq!(other.body["sender_id"], member_id);
    assert_eq!(other.body["content"], "theirs");
    let retry = send_shared_id(&app, &room, &owner, "mine").await;
    assert_eq!(retry.status, 200, "{retry:?}");
    assert_eq!(retry.body["id"], first.body["id"]);
    assert_eq!(retry.body["sender_id"], owner_id);
    let member_retry = send_shared_id(&app, &room, &member, "theirs").await;
    assert_eq!(member_retry.status, 200, "{member_retry:?}");
    assert_eq!(member_retry.body["id"], other.body["id"]);
}

async fn send_shared_id(app: &TestApp, room: &str, key: &str, content: &str) -> Reply {
    let body = json!({"room_id": room, "content": content, "client_msg_id": "shared-1"});
    app.post("/messages", key, body).await
}

/// Sends a `sync` from `positions` (room id → seq) and gathers the `message.new`
/// frames it replays; answers them and its `ack`.
async fn sync_once(socket: &mut WsClient, id: &str, positions: Value) -> (Vec<Value>, Value) {
    let frame = json!({"type": "sync", "id": id, "data": {"rooms": positions}});
    socket.send_raw(frame).await;
    let mut replayed = Vec::new();
    loop {
        let frame = socket
            .next(|f| f["type"] == "message.new" || f["id"] == id)
            .await;
        if frame["type"] == "ack" {
            return (replayed, frame);
        }
        replayed.push(frame);
    }
}

/// 1,200 messages missed over two rooms: one `sync` replays at most 1,000 of them in
/// all, oldest first per room, and its ack says `truncated`.
async fn a_sync_replays_a_bounded_total_and_says_truncated(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let (_, owner, _) = app.new_user().await;
    let (_, reader, _) = app.new_user().await;
    let mut rooms = Vec::new();
    for name in ["One", "Two"] {
        let room = app.create_room(&owner, json!({ "name": name })).await;
        app.join(&reader, &room).await;
        rooms.push(room);
    }
    for room in &rooms {
        for chunk in 0..6 {
            let contents: Vec<String> = (0..100).map(|i| format!("m{chunk}-{i}")).collect();
            join_all(contents.iter().map(|c| app.send(&owner, room, c))).await;
        }
    }
    let (mut socket, _) = WsClient::connect(&app, &reader).await;
    let since: serde_json::Map<String, Value> =
        rooms.iter().map(|room| (room.clone(), json!(0))).collect();
    let (replayed, ack) = sync_once(&mut socket, "s1", since.into()).await;
    assert_eq!(ack["data"]["truncated"], true, "{ack}");
    assert_eq!(replayed.len(), 1_000);
}

/// 1,100 messages missed in one room: the first `sync` replays 1,000 and its ack puts
/// the client at seq 1,000; a second `sync` from there replays the other 100, once.
async fn a_truncated_sync_continued_from_its_ack_replays_the_rest(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let (_, owner, _) = app.new_user().await;
    let (_, reader, _) = app.new_user().await;
    let room = app.create_room(&owner, json!({ "name": "Busy" })).await;
    app.join(&reader, &room).await;
    for chunk in 0..11 {
        let contents: Vec<String> = (0..100).map(|i| format!("m{chunk}-{i}")).collect();
        join_all(contents.iter().map(|c| app.send(&owner, &room, c))).await;
    }
    let (mut socket, _) = WsClient::connect(&app, &reader).await;
    let mut from = 0;
    let mut seqs = Vec::new();
    for (id, truncated) in [("s1", true), ("s2", false)] {
        let (replayed, ack) = sync_once(&mut socket, id, json!({room.clone(): from})).await;
        assert_eq!(ack["data"]["truncated"], truncated, "{ack}");
        from = ack["data"]["rooms"][&room].as_u64().unwrap();
        seqs.extend(replayed.iter().map(|f| f["data"]["seq"].as_u64().unwrap()));
        assert_eq!(from, seqs.last().copied().unwrap(), "{id}");
    }
    assert_eq!(seqs, (1..=1_100).collect::<Vec<u64>>());
}

/// Two rooms of 1,000 missed messages each, and a room with nothing new: the first
/// `sync` spends its whole budget on one room, so the other is cut short without a
/// read, and its ack keeps that room at 0. A second `sync` from the ack's positions
/// replays the other room. Every message arrives once; the idle room sends nothing.
async fn a_room_past_the_sync_budget_is_truncated_unread_and_replayed_next(engine: EngineKind) {
    let app = spawn_unlimited(engine).await;
    let (_, owner, _) = app.new_user().await;
    let (_, reader, _) = app.new_user().await;
    let mut rooms = Vec::new();
    for name in ["One", "Two", "Idle"] {
        let room = app.create_room(&owner, json!({ "name": name })).await;
        app.join(&reader, &room).await;
        rooms.push(room);
    }
    for room in &rooms[..2] {
        for chunk in 0..10 {
            let contents: Vec<String> = (0..100).map(|i| format!("m{chunk}-{i}")).collect();
            join_all(contents.iter().map(|c| app.send(&owner, room, c))).await;
        }
    }
    let (mut socket, _) = WsClient::connect(&app, &reader).await;
    let mut positions: Value = rooms.iter().map(|room| (room.clone(), json!(0))).collect();
    let mut seen = std::collections::HashSet::new();
    for (id, truncated) in [("s1", true), ("s2", false)] {
        let (replayed, ack) = sync_once(&mut socket, id, positions).await;
        assert_eq!(ack["data"]["truncated"], truncated, "{ack}");
        positions = ack["data"]["rooms"].clone();
        for frame in &replayed {
            let message = &frame["data"];
            assert_ne!(message["room_id"], rooms[2].as_str(), "{frame}");
            let key = (message["room_id"].to_string(), message["seq"].as_u64());
            assert!(seen.insert(key), "replayed twice: {frame}");
        }
        assert_eq!(replayed.len(), 1_000, "{id}");
    }
    for room in &rooms[..2] {
        assert_eq!(positions[room], 1_000, "{positions:?}");
    }
}

/// A cluster node whose subscriber connection dies just before a login misses the
/// revocation notice: Redis refuses new connections while the login runs, so the
/// subscribers cannot come back in time. Each node re-checks its sessions' keys when
/// it resubscribes, so the old key's socket is still closed with 4003.
#[actix_web::test]
async fn a_lost_revocation_notice_still_closes_the_old_socket() {
    let nodes = spawn_cluster_with(2, unlimited).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let (_, key, email) = a.new_user().await;
    let (mut on_b, _) = WsClient::connect(b, &key).await;
    // One connection that stays open while new ones are refused.
    let mut redis = a.redis.as_ref().unwrap().connection();
    let clients: String = ::redis::cmd("INFO")
        .arg("clients")
        .query(&mut redis)
        .unwrap();
    let connected: u32 = clients
        .lines()
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // The two subscribers' places go; every other connection stays.
    let set_maxclients = |redis: &mut ::redis::Connection, max: u32| {
        let _: () = ::redis::cmd("CONFIG")
            .arg("SET")
            .arg("maxclients")
            .arg(max)
            .query(redis)
            .unwrap();
    };
    set_maxclients(&mut redis, connected - 2);
    let killed: i64 = ::redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("pubsub")
        .query(&mut redis)
        .unwrap();
    assert_eq!(killed, 2);
    a.login(&email).await;
    assert!(
        on_b.stays_quiet(Duration::from_millis(500), |_| false)
            .await,
        "the socket must still be open: the notice was lost"
    );
    set_maxclients(&mut redis, 10_000);
    let started = Instant::now();
    assert_eq!(on_b.closed().await, Closed::Code(4003));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
