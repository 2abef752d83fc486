//! Many nodes acting as one: three nodes in-process sharing one `redis-server`.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::{
    helpers::{spawn_cluster, spawn_cluster_with, unlimited},
    ws_client::{Closed, WsClient},
};

fn is_new_message(frame: &Value) -> bool {
    frame["type"] == "message.new"
}

#[actix_web::test]
async fn a_socket_on_one_node_gets_messages_sent_through_the_others_in_order() {
    let nodes = spawn_cluster_with(3, unlimited).await;
    let (a, b, c) = (&nodes[0], &nodes[1], &nodes[2]);
    let (_, owner, _) = a.new_user().await;
    let (_, member, _) = b.new_user().await;
    let room = a.create_room(&owner, json!({"name": "Cluster"})).await;
    c.join(&member, &room).await;
    let (mut on_a, _) = WsClient::connect(a, &owner).await;
    let (mut on_c, _) = WsClient::connect(c, &member).await;

    b.send(&member, &room, "over REST on B").await;
    let ack = on_c
        .request(
            "message.send",
            json!({"room_id": room, "content": "over WS on C"}),
        )
        .await;
    assert_eq!(ack["data"]["seq"], 2);
    for socket in [&mut on_a, &mut on_c] {
        assert_eq!(
            socket.next(is_new_message).await["data"]["content"],
            "over REST on B"
        );
        assert_eq!(
            socket.next(is_new_message).await["data"]["content"],
            "over WS on C"
        );
    }

    // Interleaved senders on all three nodes: one order, every seq once.
    let sending = nodes.iter().enumerate().map(|(n, node)| {
        let (room, key) = (&room, if n == 0 { &owner } else { &member });
        async move {
            for i in 0..60 {
                node.send(key, room, &format!("{n}:{i}")).await;
            }
        }
    });
    join_all(sending).await;
    let mut orders = Vec::new();
    for socket in [&mut on_a, &mut on_c] {
        let mut order = Vec::new();
        for expected in 3..=182u64 {
            let frame = socket.next(is_new_message).await;
            assert_eq!(frame["data"]["seq"], expected);
            order.push(frame["data"]["content"].as_str().unwrap().to_owned());
        }
        assert!(
            socket
                .stays_quiet(Duration::from_millis(300), is_new_message)
                .await
        );
        orders.push(order);
    }
    assert_eq!(orders[0], orders[1]);
}

#[actix_web::test]
async fn typing_presence_and_joins_cross_nodes() {
    let nodes = spawn_cluster(2).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let (owner_id, owner, _) = a.new_user().await;
    let (member_id, member, _) = a.new_user().await;
    let room = a.create_room(&owner, json!({"name": "Signals"})).await;
    let (mut on_a, _) = WsClient::connect(a, &owner).await;
    let (mut on_b, ready) = WsClient::connect(b, &member).await;
    assert_eq!(ready["rooms"], json!([]));

    // Joining through node A subscribes the socket held by node B.
    a.join(&member, &room).await;
    let joined = on_a.next(|f| f["type"] == "member.joined").await;
    assert_eq!(joined["data"]["user_id"], member_id.as_str());
    let online = on_a
        .next(|f| f["type"] == "presence" && f["data"]["user_id"] == member_id.as_str())
        .await;
    assert_eq!(online["data"]["online"], true);
    a.send(&owner, &room, "reaches B").await;
    assert_eq!(
        on_b.next(is_new_message).await["data"]["content"],
        "reaches B"
    );

    on_b.request("typing", json!({"room_id": room, "is_typing": true}))
        .await;
    let typing = on_a.next_of("typing").await;
    assert_eq!(typing["data"]["user_id"], member_id.as_str());
    on_a.request("typing", json!({"room_id": room, "is_typing": true}))
        .await;
    let typing = on_b
        .next(|f| f["type"] == "typing" && f["data"]["user_id"] == owner_id.as_str())
        .await;
    assert_eq!(typing["data"]["is_typing"], true);

    drop(on_b);
    let offline = on_a
        .next(|f| f["type"] == "presence" && f["data"]["online"] == false)
        .await;
    assert_eq!(offline["data"]["user_id"], member_id.as_str());
}

#[actix_web::test]
async fn a_login_on_one_node_closes_the_old_key_socket_on_another() {
    let nodes = spawn_cluster(3).await;
    let (id, key, email) = nodes[0].new_user().await;
    let (mut on_a, _) = WsClient::connect(&nodes[0], &key).await;
    let started = std::time::Instant::now();
    let new_key = nodes[2].login(&email).await;
    assert_eq!(on_a.closed().await, Closed::Code(4003));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    for node in &nodes {
        node.get("/users/me", &key)
            .await
            .assert_error(401, "INVALID_CREDENTIALS");
        assert_eq!(node.get("/users/me", &new_key).await.status, 200);
    }
    let (mut on_b, _) = WsClient::connect(&nodes[1], &new_key).await;
    nodes[2]
        .post(
            &format!("/users/{id}/revoke"),
            &nodes[2].master_key,
            json!({}),
        )
        .await;
    assert_eq!(on_b.closed().await, Closed::Code(4003));
}

/// Every node caches the callers of the keys it sees; a change made through any node
/// reaches every node's cache: the changing node at once, the others by their notice.
#[actix_web::test]
async fn what_changes_a_caller_is_seen_on_every_node_that_cached_it() {
    let nodes = spawn_cluster(3).await;
    let (_, key, email) = nodes[0].new_user().await;
    let master = nodes[0].master_key.clone();
    for node in &nodes {
        assert_eq!(node.get("/users/me", &key).await.status, 200);
        assert_eq!(node.get("/users", &master).await.status, 200);
    }

    let renamed = nodes[1]
        .request(
            reqwest::Method::PUT,
            "/users/profile",
            Some(&key),
            Some(json!({"username": "renamed_here"})),
        )
        .await;
    assert_eq!(renamed.status, 200, "{renamed:?}");
    for node in &nodes {
        until(|| async { node.get("/users/me", &key).await.body["username"] == "renamed_here" })
            .await;
    }

    let new_key = nodes[2].login(&email).await;
    nodes[2]
        .get("/users/me", &key)
        .await
        .assert_error(401, "INVALID_CREDENTIALS");
    for node in &nodes {
        until(|| async { node.get("/users/me", &key).await.status == 401 }).await;
        assert_eq!(node.get("/users/me", &new_key).await.status, 200);
    }

    let rotated = nodes[0]
        .post("/clients/me/rotate-key", &master, json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{rotated:?}");
    nodes[0]
        .get("/users", &master)
        .await
        .assert_error(401, "INVALID_CREDENTIALS");
    for node in &nodes {
        until(|| async { node.get("/users", &master).await.status == 401 }).await;
    }
}

/// Polls `check` until it holds; fails after two seconds (a notice crosses nodes in
/// about a millisecond; the bound only keeps a lost one from hanging the suite).
async fn until<F: std::future::Future<Output = bool>>(check: impl Fn() -> F) {
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "never came true");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[actix_web::test]
async fn a_resend_on_another_node_returns_the_original() {
    let nodes = spawn_cluster(2).await;
    let (_, key, _) = nodes[0].new_user().await;
    let room = nodes[0].create_room(&key, json!({"name": "Retry"})).await;
    let body = json!({"room_id": room, "content": "once", "client_msg_id": "x-1"});
    let first = nodes[0].post("/messages", &key, body.clone()).await;
    let again = nodes[1].post("/messages", &key, body).await;
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(again.body["id"], first.body["id"]);
}

#[actix_web::test]
async fn a_killed_subscriber_connection_loses_nothing() {
    let nodes = spawn_cluster_with(2, unlimited).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let (_, owner, _) = a.new_user().await;
    let room = a.create_room(&owner, json!({"name": "Faults"})).await;
    let (mut on_a, _) = WsClient::connect(a, &owner).await;
    let redis = a.redis.as_ref().unwrap();
    for i in 0..100 {
        if i == 30 || i == 60 {
            let killed = redis.command("CLIENT KILL TYPE pubsub");
            assert!(killed.starts_with(':'), "{killed}");
        }
        b.send(&owner, &room, &format!("m{i}")).await;
    }
    for expected in 1..=100u64 {
        let frame = on_a.next(is_new_message).await;
        assert_eq!(frame["data"]["seq"], expected);
    }
    assert!(
        on_a.stays_quiet(Duration::from_millis(300), is_new_message)
            .await
    );
}

/// A node in its own process, so the test can kill it as a crash would.
struct NodeProcess {
    child: std::process::Child,
    base: String,
}

impl NodeProcess {
    fn start(redis_url: &str, prefix: &str) -> Self {
        let port = crate::helpers::free_port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_chatapi"))
            .env("CHATAPI_PORT", port.to_string())
            .env("REDIS_URL", redis_url)
            .env("CHATAPI_REDIS_PREFIX", prefix)
            .env("CHATAPI_PRESENCE_TTL", "2")
            .env("CHATAPI_NODE_ID", "doomed")
            .env("CHATAPI_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Self {
            child,
            base: format!("http://127.0.0.1:{port}/api/v1"),
        }
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[actix_web::test]
async fn a_killed_nodes_users_go_offline_when_their_presence_lapses() {
    let nodes = spawn_cluster(1).await;
    let a = &nodes[0];
    let mut doomed = NodeProcess::start(&a.redis.as_ref().unwrap().url(), &a.prefix);
    let (_, owner, _) = a.new_user().await;
    let (member_id, member, _) = a.new_user().await;
    let room = a.create_room(&owner, json!({"name": "Presence"})).await;
    a.join(&member, &room).await;
    let (mut on_a, _) = WsClient::connect(a, &owner).await;

    let elsewhere = crate::helpers::TestApp {
        base: doomed.base.clone(),
        bases: vec![doomed.base.clone()],
        http: reqwest::Client::new(),
        master_key: a.master_key.clone(),
        client_id: a.client_id.clone(),
        prefix: a.prefix.clone(),
        redis: None,
        stopper: a.stopper.clone(),
    };
    a.eventually("the second node to answer", || async {
        elsewhere
            .http
            .get(format!("{}/health", elsewhere.base))
            .send()
            .await
            .is_ok()
    })
    .await;
    let (_on_doomed, _) = WsClient::connect(&elsewhere, &member).await;
    let online = on_a
        .next(|f| f["type"] == "presence" && f["data"]["user_id"] == member_id.as_str())
        .await;
    assert_eq!(online["data"]["online"], true);
    let presence = a.get(&format!("/rooms/{room}/presence"), &owner).await;
    assert_eq!(presence.body["count"], 2, "{presence:?}");
    let members = a.get(&format!("/rooms/{room}/members"), &owner).await;
    assert!(members.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["online"] == true));

    doomed.child.kill().unwrap();
    doomed.child.wait().unwrap();
    a.eventually("the killed node's user to go offline", || async {
        a.get(&format!("/rooms/{room}/presence"), &owner).await.body["count"] == 1
    })
    .await;
    let presence = a.get(&format!("/rooms/{room}/presence"), &owner).await;
    assert!(!presence.body["online"]
        .as_array()
        .unwrap()
        .contains(&json!(member_id)));
}

#[actix_web::test]
async fn a_redis_restart_loses_nothing_acknowledged_and_delivery_resumes() {
    let mut nodes = spawn_cluster(2).await;
    let (_, owner, _) = nodes[0].new_user().await;
    let room = nodes[0]
        .create_room(&owner, json!({"name": "Restart"}))
        .await;
    let (mut on_a, _) = WsClient::connect(&nodes[0], &owner).await;
    for i in 0..10 {
        nodes[1].send(&owner, &room, &format!("before {i}")).await;
    }
    for expected in 1..=10u64 {
        assert_eq!(on_a.next(is_new_message).await["data"]["seq"], expected);
    }

    let redis = nodes[0].redis.as_mut().unwrap();
    redis.kill();
    redis.restart();
    for node in &nodes {
        node.eventually("the node to be ready again", || async {
            node.request(reqwest::Method::GET, "/ready", None, None)
                .await
                .status
                == 200
        })
        .await;
    }
    for i in 0..10 {
        nodes[1].send(&owner, &room, &format!("after {i}")).await;
    }
    for expected in 11..=20u64 {
        assert_eq!(on_a.next(is_new_message).await["data"]["seq"], expected);
    }
    let history = nodes[1]
        .get(&format!("/rooms/{room}/messages?limit=50"), &owner)
        .await;
    assert_eq!(history.body["data"].as_array().unwrap().len(), 20);

    // A client that reconnects and syncs gets exactly what it missed.
    drop(on_a);
    nodes[1].send(&owner, &room, "while away").await;
    let (mut again, _) = WsClient::connect(&nodes[0], &owner).await;
    again
        .send_raw(json!({"type": "sync", "id": "s", "data": {"rooms": {room.clone(): 20}}}))
        .await;
    assert_eq!(again.next(is_new_message).await["data"]["seq"], 21);
    assert_eq!(again.next(|f| f["id"] == "s").await["type"], "ack");
}

/// A REST join on one node while the user's socket is on another: the socket's node
/// hears of the join by a notice, and a message sent right after the join, through a
/// third node, can be appended before that node listens to the room. The join's own
/// `seq` is its starting point, so the socket still gets that message, and the
/// messages from before the join stay out.
#[actix_web::test]
async fn a_message_right_after_a_rest_join_reaches_the_users_socket_on_another_node() {
    let nodes = spawn_cluster_with(3, unlimited).await;
    let (a, b, c) = (&nodes[0], &nodes[1], &nodes[2]);
    let (_, owner, _) = a.new_user().await;
    let (_, joiner, _) = a.new_user().await;
    let (mut socket, _) = WsClient::connect(a, &joiner).await;
    for round in 0..10 {
        let room = a.create_room(&owner, json!({"name": "Late"})).await;
        a.send(&owner, &room, "before the join").await;
        b.join(&joiner, &room).await;
        c.send(&owner, &room, &format!("right after {round}")).await;
        let frame = socket.next(is_new_message).await;
        assert_eq!(frame["data"]["room_id"], room.as_str());
        assert_eq!(frame["data"]["content"], format!("right after {round}"));
        assert_eq!(frame["data"]["seq"], 2);
    }
    assert!(
        socket
            .stays_quiet(Duration::from_millis(300), is_new_message)
            .await
    );
}
