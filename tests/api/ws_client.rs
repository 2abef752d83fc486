//! A real WebSocket client for the suite. Every wait has a deadline; frames that a
//! wait does not match are kept for the next one.

use std::{collections::VecDeque, time::Duration};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{
        client::IntoClientRequest,
        protocol::{
            frame::coding::{CloseCode, Data, OpCode},
            frame::Frame,
            CloseFrame,
        },
        Message,
    },
    MaybeTlsStream, WebSocketStream,
};

use crate::helpers::{TestApp, DEADLINE};

pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
    /// Frames received but not yet matched.
    pending: VecDeque<Value>,
    next_id: u64,
}

/// How a connection ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Closed {
    Code(u16),
    /// The stream ended without a close frame.
    Dropped,
}

impl WsClient {
    fn url(app: &TestApp) -> String {
        format!("{}/ws", app.base.replacen("http://", "ws://", 1))
    }

    /// Connects without credentials (a browser's way: `auth` comes as a frame).
    pub async fn open(app: &TestApp) -> Self {
        let (stream, _) = connect_async(Self::url(app)).await.unwrap();
        Self {
            stream,
            pending: VecDeque::new(),
            next_id: 0,
        }
    }

    /// Connects and authenticates with the first frame; waits for `ready`.
    pub async fn connect(app: &TestApp, key: &str) -> (Self, Value) {
        let mut client = Self::open(app).await;
        client.send_raw(json!({"type": "auth", "token": key})).await;
        let ready = client.next_of("ready").await;
        (client, ready["data"].clone())
    }

    /// Connects with the key in the `Authorization` header (a server's way).
    pub async fn connect_with_header(app: &TestApp, key: &str) -> Result<(Self, Value), u16> {
        let mut request = Self::url(app).into_client_request().unwrap();
        request
            .headers_mut()
            .insert("Authorization", format!("Bearer {key}").parse().unwrap());
        match connect_async(request).await {
            Ok((stream, _)) => {
                let mut client = Self {
                    stream,
                    pending: VecDeque::new(),
                    next_id: 0,
                };
                let ready = client.next_of("ready").await;
                Ok((client, ready["data"].clone()))
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(err) => panic!("{err}"),
        }
    }

    pub async fn send_raw(&mut self, frame: Value) {
        self.stream
            .send(Message::Text(frame.to_string()))
            .await
            .unwrap();
    }

    pub async fn send_text(&mut self, text: String) {
        self.stream.send(Message::Text(text)).await.unwrap();
    }

    /// Sends `frame` as one text message cut into fragments of `piece` bytes (RFC 6455
    /// §5.4); a cut may fall inside a character.
    pub async fn send_fragmented(&mut self, frame: Value, piece: usize) {
        let bytes = frame.to_string().into_bytes();
        let pieces: Vec<&[u8]> = bytes.chunks(piece).collect();
        for (index, piece) in pieces.iter().enumerate() {
            let opcode = match index {
                0 => OpCode::Data(Data::Text),
                _ => OpCode::Data(Data::Continue),
            };
            let last = index + 1 == pieces.len();
            let fragment = Frame::message(piece.to_vec(), opcode, last);
            self.stream.send(Message::Frame(fragment)).await.unwrap();
        }
    }

    /// Closes from this side (1000) and returns how the server answered.
    pub async fn close(&mut self) -> Closed {
        let normal = CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        };
        self.stream
            .send(Message::Close(Some(normal)))
            .await
            .unwrap();
        self.closed().await
    }

    /// Sends a request with a fresh id and returns its `ack` or `error` frame.
    pub async fn request(&mut self, kind: &str, data: Value) -> Value {
        self.next_id += 1;
        let id = format!("r{}", self.next_id);
        self.send_raw(json!({"type": kind, "id": id, "data": data}))
            .await;
        self.next(|f| f["id"] == id.as_str() && (f["type"] == "ack" || f["type"] == "error"))
            .await
    }

    /// The next frame of this type.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        self.next(|f| f["type"] == kind).await
    }

    /// The next frame matching `wanted`, within the deadline.
    pub async fn next(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(index) = self.pending.iter().position(&wanted) {
            return self.pending.remove(index).unwrap();
        }
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.read_frame())
                .await
                .expect("timed out waiting for a frame")
                .expect("the connection closed while waiting for a frame");
            if wanted(&frame) {
                return frame;
            }
            self.pending.push_back(frame);
        }
    }

    /// Reads the next JSON frame; `None` once the connection closed.
    async fn read_frame(&mut self) -> Option<Value> {
        loop {
            match self.stream.next().await? {
                Ok(Message::Text(text)) => return Some(serde_json::from_str(&text).unwrap()),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// Waits for the server to close the connection; reads and drops any frames first.
    pub async fn closed(&mut self) -> Closed {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let message = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .expect("timed out waiting for the close");
            match message {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return Closed::Code(u16::from(frame.code))
                }
                Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return Closed::Dropped,
                Some(Ok(_)) => {}
            }
        }
    }

    /// Whether no frame matching `unwanted` arrives within `quiet`.
    pub async fn stays_quiet(
        &mut self,
        quiet: Duration,
        unwanted: impl Fn(&Value) -> bool,
    ) -> bool {
        if self.pending.iter().any(&unwanted) {
            return false;
        }
        let until = tokio::time::Instant::now() + quiet;
        while let Ok(frame) = tokio::time::timeout_at(until, self.read_frame()).await {
            match frame {
                Some(frame) if unwanted(&frame) => return false,
                Some(frame) => self.pending.push_back(frame),
                None => return true,
            }
        }
        true
    }
}
