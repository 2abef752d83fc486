//! The frames for the client, gathered in one buffer so that everything queued in one
//! wake-up of the session goes out in one write. The buffer is released once the socket
//! has taken it. What a socket leaves unwritten is bounded in deliveries and in bytes,
//! as Centrifugo bounds its client queue: past either bound the session is too slow.

use std::{
    io,
    pin::Pin,
    task::{Context, Poll, Waker},
    time::Duration,
};

use actix_http::ws::{OpCode, Parser};
use bytes::{Buf, BufMut, BytesMut};
use bytestring::ByteString;
use tokio::{
    io::{AsyncWrite, AsyncWriteExt},
    net::tcp::OwnedWriteHalf,
};

/// Bytes a socket may leave unwritten, once it refused to take more, before the
/// session is too slow: Centrifugo's default client queue bound (1 MiB).
pub const MAX_BACKLOG_BYTES: usize = 1024 * 1024;
/// A close frame's reason: a control frame's payload is at most 125 bytes, 2 of them
/// the code (RFC 6455 §5.5).
const MAX_CLOSE_REASON: usize = 123;

pub struct Outbound {
    /// Gone once the session has handed its last frames to [`Outbound::linger`].
    io: Option<OwnedWriteHalf>,
    /// What the socket has yet to take.
    pending: BytesMut,
    /// What was left of `pending` when the socket last refused to take more; 0 once it
    /// took everything.
    refused: usize,
    /// Deliveries in `pending`: the socket's share of the session's outbound queue.
    deliveries: usize,
    /// A close frame is queued: nothing may follow it (RFC 6455 §5.5.1).
    closing: bool,
    /// The session's task, to wake when a frame is queued outside its mailbox.
    waker: Option<Waker>,
}

impl Outbound {
    pub fn new(io: OwnedWriteHalf) -> Self {
        Self {
            io: Some(io),
            pending: BytesMut::new(),
            refused: 0,
            deliveries: 0,
            closing: false,
            waker: None,
        }
    }

    pub fn text(&mut self, text: &ByteString) {
        self.frame(OpCode::Text, text.as_bytes());
    }

    pub fn ping(&mut self) {
        self.frame(OpCode::Ping, b"");
    }

    pub fn pong(&mut self, payload: &[u8]) {
        self.frame(OpCode::Pong, payload);
    }

    /// Queues the close frame; the first close wins, and nothing is queued after it.
    pub fn close(&mut self, code: u16, reason: &str) {
        self.frame(OpCode::Close, &close_payload(code, reason));
        self.closing = true;
    }

    fn frame(&mut self, opcode: OpCode, payload: &[u8]) {
        if !self.closing {
            Parser::write_message(&mut self.pending, payload, opcode, true, false);
        }
    }

    /// Counts a delivery whose frames were just queued, and says whether the socket is
    /// too slow: more than `max_deliveries` wait for it, or it last refused to take
    /// more with over [`MAX_BACKLOG_BYTES`] unwritten.
    pub fn delivered(&mut self, max_deliveries: usize) -> bool {
        self.deliveries += 1;
        self.deliveries > max_deliveries || self.refused > MAX_BACKLOG_BYTES
    }

    /// Frames queued by a handler of the mailbox are written after it, in the same
    /// wake-up. Ones queued from a timer or the client's own frames may come after the
    /// writer's turn, so whoever queues them calls this.
    pub fn flush_soon(&mut self) {
        if !self.pending.is_empty() {
            if let Some(waker) = &self.waker {
                waker.wake_by_ref();
            }
        }
    }

    /// Whatever the socket takes right now, without waiting.
    pub fn write_now(&mut self) {
        let Some(io) = &self.io else {
            return;
        };
        while !self.pending.is_empty() {
            match io.try_write(&self.pending) {
                Ok(written) if written > 0 => self.pending.advance(written),
                _ => break,
            }
        }
    }

    /// The last write of a session that is ending: what the socket does not take at once
    /// (a slow client's backlog, then its close frame) goes to a task of its own, which
    /// gives up after `within`. The socket closes after it.
    pub fn linger(&mut self, within: Duration) {
        self.write_now();
        let Some(mut io) = self.io.take() else {
            return;
        };
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        actix::spawn(async move {
            let _ = tokio::time::timeout(within, io.write_all(&pending)).await;
        });
    }

    pub(super) fn poll_write(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self
            .waker
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()))
        {
            self.waker = Some(cx.waker().clone());
        }
        let Some(io) = &mut self.io else {
            return Poll::Ready(Ok(()));
        };
        while !self.pending.is_empty() {
            let Poll::Ready(written) = Pin::new(&mut *io).poll_write(cx, &self.pending) else {
                self.refused = self.pending.len();
                return Poll::Pending;
            };
            match written? {
                0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                written => self.pending.advance(written),
            }
        }
        // Written out: an idle connection keeps no buffer.
        self.pending = BytesMut::new();
        self.refused = 0;
        self.deliveries = 0;
        Poll::Ready(Ok(()))
    }
}

/// A close frame's code and reason, the reason cut (at a character) to fit a control
/// frame.
fn close_payload(code: u16, reason: &str) -> BytesMut {
    let longest = reason.len().min(MAX_CLOSE_REASON);
    let reason = (0..=longest)
        .rev()
        .find_map(|end| reason.get(..end))
        .unwrap_or_default();
    let mut payload = BytesMut::with_capacity(2 + reason.len());
    payload.put_u16(code);
    payload.put_slice(reason.as_bytes());
    payload
}

#[cfg(test)]
mod tests {
    use actix_codec::Decoder;
    use actix_http::ws::{Codec, Frame};
    use futures_util::future::poll_fn;
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    /// A real socket whose peer never reads: frames of 60 KB are queued and written
    /// until the kernel's buffers are full and the socket refuses more.
    #[tokio::test]
    async fn a_socket_that_refuses_over_a_mib_is_too_slow() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (_silent_peer, _) = listener.accept().await.unwrap();
        let (_, write) = socket.into_split();
        let mut out = Outbound::new(write);
        let frame = ByteString::from("x".repeat(60_000));
        let mut deliveries = 0;
        loop {
            out.text(&frame);
            deliveries += 1;
            // The delivery bound is out of the way: only bytes count here.
            if out.delivered(usize::MAX) {
                break;
            }
            assert!(deliveries < 2_000, "120 MB queued and never too slow");
            let _ = poll_fn(|cx| Poll::Ready(out.poll_write(cx))).await;
        }
        assert!(out.refused > MAX_BACKLOG_BYTES);
        assert!(
            out.refused <= MAX_BACKLOG_BYTES + 60_010,
            "one frame past the bound"
        );
    }

    #[test]
    fn a_long_close_reason_is_cut_at_a_character_to_fit() {
        let mut wire = BytesMut::new();
        let payload = close_payload(4001, &"é".repeat(100));
        Parser::write_message(&mut wire, payload, OpCode::Close, true, false);
        let mut client = Codec::new().client_mode();
        let Ok(Some(Frame::Close(Some(reason)))) = client.decode(&mut wire) else {
            panic!("not a close frame with a reason, or not one the client accepts");
        };
        assert_eq!(u16::from(reason.code), 4001);
        assert_eq!(reason.description.unwrap(), "é".repeat(61));
    }
}
