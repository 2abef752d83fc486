//! The WebSocket framing on the upgraded socket (RFC 6455), which the server does itself
//! once the handshake is answered: fragments, a client's close, a frame sent right
//! behind the handshake.

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_tungstenite::{tungstenite::protocol::Role, WebSocketStream};

use crate::{
    helpers::{spawn_app, spawn_app_with, EngineKind, DEADLINE},
    ws_client::{Closed, WsClient},
};

both_engines!(
    a_message_in_fragments_is_read_whole,
    fragments_over_the_frame_limit_close_with_1009,
    a_clients_close_is_answered_with_1000,
    a_frame_sent_right_behind_the_handshake_is_read,
    a_node_at_its_socket_cap_refuses_handshakes_with_503,
);

async fn a_message_in_fragments_is_read_whole(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, key, _) = app.new_user().await;
    let mut socket = WsClient::open(&app).await;
    socket
        .send_fragmented(json!({"type": "auth", "token": key}), 7)
        .await;
    socket.next_of("ready").await;
    // Cut every 3 bytes, the two-byte "é" falls across fragments.
    socket
        .send_fragmented(json!({"type": "ping", "id": "café"}), 3)
        .await;
    assert_eq!(socket.next_of("pong").await["id"], "café");
}

async fn fragments_over_the_frame_limit_close_with_1009(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, key, _) = app.new_user().await;
    let (mut socket, _) = WsClient::connect(&app, &key).await;
    // Each fragment is small; together they pass 64 KiB.
    let big = json!({"type": "ping", "id": "x".repeat(70_000)});
    socket.send_fragmented(big, 16 * 1024).await;
    assert_eq!(socket.closed().await, Closed::Code(1009));
}

async fn a_clients_close_is_answered_with_1000(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, key, _) = app.new_user().await;
    let (mut socket, _) = WsClient::connect(&app, &key).await;
    assert_eq!(socket.close().await, Closed::Code(1000));
}

/// The handshake and the `auth` frame in one write, before the `101` is read: the frame
/// is read from what came with the handshake.
async fn a_frame_sent_right_behind_the_handshake_is_read(engine: EngineKind) {
    let app = spawn_app(engine).await;
    let (_, key, _) = app.new_user().await;
    let authority = app
        .base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap();
    let mut tcp = TcpStream::connect(authority).await.unwrap();
    let mut bytes = format!(
        "GET /api/v1/ws HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    .into_bytes();
    bytes.extend(masked_text(
        &json!({"type": "auth", "token": key}).to_string(),
    ));
    tcp.write_all(&bytes).await.unwrap();

    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(tcp.read_u8().await.unwrap());
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    let mut socket = WebSocketStream::from_raw_socket(tcp, Role::Client, None).await;
    let first = tokio::time::timeout(DEADLINE, socket.next())
        .await
        .expect("no frame after the 101")
        .unwrap()
        .unwrap();
    let frame: Value = serde_json::from_str(first.to_text().unwrap()).unwrap();
    assert_eq!(frame["type"], "ready");
    assert!(frame["data"]["user"]["id"].is_string());
}

/// `CHATAPI_MAX_SOCKETS=2`: a third handshake is 503 with `Retry-After`, whether or not
/// the first two authenticated; once one closes, its place is free again.
async fn a_node_at_its_socket_cap_refuses_handshakes_with_503(engine: EngineKind) {
    let app = spawn_app_with(engine, |settings| settings.max_sockets = 2).await;
    let (_, key, _) = app.new_user().await;
    let (mut first, _) = WsClient::connect(&app, &key).await;
    let _unauthenticated = WsClient::open(&app).await;
    let refused = app.handshake(None, &[]).await;
    refused.assert_error(503, "SERVICE_UNAVAILABLE");
    assert!(refused.headers.contains_key("retry-after"));

    assert_eq!(first.close().await, Closed::Code(1000));
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while app.handshake(None, &[]).await.status != 101 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the place never came back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A client's text frame: final, masked (RFC 6455 §5.3), length in 16 bits.
fn masked_text(text: &str) -> Vec<u8> {
    let mask = [0x12, 0x34, 0x56, 0x78];
    let length = u16::try_from(text.len()).unwrap();
    let mut frame = vec![0x81, 0x80 | 126];
    frame.extend(length.to_be_bytes());
    frame.extend(mask);
    frame.extend(text.bytes().enumerate().map(|(i, byte)| byte ^ mask[i % 4]));
    frame
}
