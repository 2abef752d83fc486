//! The frames for the client. A frame waits as a header of its own and the payload it
//! was given: a room's message is the same bytes in every session it reaches, so a
//! reader that falls behind holds references to them, not copies. Everything waiting
//! goes out in one vectored write per wake-up of the session.

use std::{
    collections::VecDeque,
    io::{self, IoSlice},
    pin::Pin,
    task::{ready, Context, Poll, Waker},
    time::Duration,
};

use actix_http::ws::OpCode;
use bytes::{Buf, BufMut, Bytes, BytesMut};
use bytestring::ByteString;
use tokio::{
    io::{AsyncWrite, AsyncWriteExt},
    net::tcp::OwnedWriteHalf,
};

/// The most pieces (headers and payloads) handed to one `writev`.
const WRITE_SLICES: usize = 64;
/// The longest frame header: 2 bytes and a 64-bit length (RFC 6455 §5.2; a server
/// does not mask).
const MAX_HEADER: usize = 10;
/// A close frame's reason: a control frame's payload is at most 125 bytes, 2 of them
/// the code (RFC 6455 §5.5).
const MAX_CLOSE_REASON: usize = 123;
/// What `headers` grows by: room for a few dozen headers, cut off one by one.
const HEADER_BLOCK: usize = 512;

pub struct Outbound {
    /// Gone once the session has handed its last frames to [`Outbound::linger`].
    io: Option<OwnedWriteHalf>,
    /// What the socket has yet to take, in order: headers and payloads.
    queue: VecDeque<Bytes>,
    /// Where headers are written before each is cut off into `queue`.
    headers: BytesMut,
    /// Deliveries in `queue`: the socket's share of the session's outbound queue.
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
            queue: VecDeque::new(),
            headers: BytesMut::new(),
            deliveries: 0,
            closing: false,
            waker: None,
        }
    }

    pub fn text(&mut self, text: &ByteString) {
        self.frame(OpCode::Text, text.as_bytes().clone());
    }

    pub fn ping(&mut self) {
        self.frame(OpCode::Ping, Bytes::new());
    }

    pub fn pong(&mut self, payload: Bytes) {
        self.frame(OpCode::Pong, payload);
    }

    /// Queues the close frame; the first close wins, and nothing is queued after it.
    pub fn close(&mut self, code: u16, reason: &str) {
        self.frame(OpCode::Close, close_payload(code, reason));
        self.closing = true;
    }

    fn frame(&mut self, opcode: OpCode, payload: Bytes) {
        if self.closing {
            return;
        }
        if self.headers.capacity() < MAX_HEADER {
            self.headers.reserve(HEADER_BLOCK);
        }
        write_header(&mut self.headers, opcode, payload.len());
        self.queue.push_back(self.headers.split().freeze());
        if !payload.is_empty() {
            self.queue.push_back(payload);
        }
    }

    /// Counts a delivery whose frames were just queued; returns how many are waiting
    /// for the socket, counting it.
    pub fn delivered(&mut self) -> usize {
        self.deliveries += 1;
        self.deliveries
    }

    /// Frames queued by a handler of the mailbox are written after it, in the same
    /// wake-up. Ones queued from a timer or the client's own frames may come after the
    /// writer's turn, so whoever queues them calls this.
    pub fn flush_soon(&mut self) {
        if !self.queue.is_empty() {
            if let Some(waker) = &self.waker {
                waker.wake_by_ref();
            }
        }
    }

    /// Whatever the socket takes right now, without waiting.
    pub fn write_now(&mut self) {
        while let Some(io) = &self.io {
            if self.queue.is_empty() {
                break;
            }
            let (slices, count) = slices(&self.queue);
            match io.try_write_vectored(slices.get(..count).unwrap_or_default()) {
                Ok(written) if written > 0 => self.consume(written),
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
        if self.queue.is_empty() {
            return;
        }
        let queue = std::mem::take(&mut self.queue);
        actix::spawn(async move {
            let write_all = async {
                for piece in queue {
                    io.write_all(&piece).await?;
                }
                io::Result::Ok(())
            };
            let _ = tokio::time::timeout(within, write_all).await;
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
        while let Some(io) = &mut self.io {
            if self.queue.is_empty() {
                break;
            }
            let (slices, count) = slices(&self.queue);
            let pieces = slices.get(..count).unwrap_or_default();
            let written = ready!(Pin::new(io).poll_write_vectored(cx, pieces))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.consume(written);
        }
        // Written out: an idle connection keeps nothing.
        self.queue = VecDeque::new();
        self.headers = BytesMut::new();
        self.deliveries = 0;
        Poll::Ready(Ok(()))
    }

    /// Drops the `written` bytes from the front of the queue.
    fn consume(&mut self, mut written: usize) {
        while let Some(front) = self.queue.front_mut() {
            if written < front.len() {
                front.advance(written);
                return;
            }
            written -= front.len();
            self.queue.pop_front();
        }
    }
}

/// The front of the queue, as one `writev`'s pieces.
fn slices(queue: &VecDeque<Bytes>) -> ([IoSlice<'_>; WRITE_SLICES], usize) {
    let mut slices = [IoSlice::new(&[]); WRITE_SLICES];
    let mut count = 0;
    for (slot, piece) in slices.iter_mut().zip(queue) {
        *slot = IoSlice::new(piece);
        count += 1;
    }
    (slices, count)
}

/// A close frame's code and reason, the reason cut (at a character) to fit a control
/// frame.
fn close_payload(code: u16, reason: &str) -> Bytes {
    let longest = reason.len().min(MAX_CLOSE_REASON);
    let reason = (0..=longest)
        .rev()
        .find_map(|end| reason.get(..end))
        .unwrap_or_default();
    let mut payload = BytesMut::with_capacity(2 + reason.len());
    payload.put_u16(code);
    payload.put_slice(reason.as_bytes());
    payload.freeze()
}

/// A final, unmasked frame's header (RFC 6455 §5.2).
fn write_header(dst: &mut BytesMut, opcode: OpCode, length: usize) {
    dst.put_u8(0x80 | u8::from(opcode));
    match length {
        0..=125 => dst.put_u8(length as u8),
        126..=0xFFFF => {
            dst.put_u8(126);
            dst.put_u16(length as u16);
        }
        _ => {
            dst.put_u8(127);
            dst.put_u64(length as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_codec::Decoder;
    use actix_http::ws::{Codec, Frame};

    use super::*;

    /// What the client's side of actix-http's codec reads from `header` and `payload`.
    fn read_back(opcode: OpCode, payload: &[u8]) -> Frame {
        let mut wire = BytesMut::new();
        write_header(&mut wire, opcode, payload.len());
        wire.extend_from_slice(payload);
        let mut client = Codec::new().client_mode().max_size(usize::MAX);
        let frame = client.decode(&mut wire).unwrap().unwrap();
        assert!(wire.is_empty(), "the frame is all that was written");
        frame
    }

    #[test]
    fn headers_carry_each_length_form() {
        for length in [0, 125, 126, 0xFFFF, 0x1_0000] {
            let payload = vec![b'x'; length];
            match read_back(OpCode::Text, &payload) {
                Frame::Text(text) => assert_eq!(text.len(), length),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(read_back(OpCode::Ping, b""), Frame::Ping(p) if p.is_empty()));
    }

    #[test]
    fn a_long_close_reason_is_cut_at_a_character_to_fit() {
        let payload = close_payload(4001, &"é".repeat(100));
        let Frame::Close(Some(reason)) = read_back(OpCode::Close, &payload) else {
            panic!("not a close with a reason");
        };
        assert_eq!(u16::from(reason.code), 4001);
        let description = reason.description.unwrap();
        assert_eq!(description, "é".repeat(61));
    }
}
