//! WebSocket framing straight on the socket, once the upgrade is answered.
//!
//! actix-http's HTTP/1 dispatcher keeps a read and a write buffer of 8 KiB each for the
//! life of a connection, which was two thirds of a socket's memory (BENCHMARKS.md,
//! "One room of 10,000 sockets"). Here an idle connection holds no buffer: frames are
//! read through one on the stack, and only the bytes of a frame not yet whole are kept;
//! frames to send are gathered in one buffer that is released once the socket took it.

use std::{
    io,
    mem::MaybeUninit,
    pin::Pin,
    task::{ready, Context, Poll, Waker},
    time::Duration,
};

use actix::{fut::ActorFuture, Actor, ActorContext};
use actix_codec::Decoder;
use actix_http::ws::{CloseCode, CloseReason, Codec, Frame, Item, OpCode, Parser, ProtocolError};
use bytes::{Buf, Bytes, BytesMut};
use bytestring::ByteString;
use futures_util::Stream;
use tokio::{
    io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf},
    net::tcp::{OwnedReadHalf, OwnedWriteHalf},
};

/// What one read may take off the socket at a time.
const READ_CHUNK: usize = 4096;

/// A whole message from the client; fragments are joined.
#[derive(Debug)]
pub enum Incoming {
    Text(ByteString),
    Binary,
    Ping(Bytes),
    Pong,
    Close,
}

/// The frames a client sends, as a stream for the session actor.
pub struct Inbound {
    io: OwnedReadHalf,
    /// Bytes read that are not yet a whole frame; unallocated between frames.
    partial: BytesMut,
    codec: Codec,
    max_message: usize,
    /// A fragmented message so far: whether it is text, and its bytes.
    fragments: Option<(bool, BytesMut)>,
}

impl Inbound {
    /// `read_ahead` is what the client sent right behind its handshake.
    pub fn new(io: OwnedReadHalf, read_ahead: &[u8], max_message: usize) -> Self {
        Self {
            io,
            partial: BytesMut::from(read_ahead),
            codec: Codec::new().max_size(max_message),
            max_message,
            fragments: None,
        }
    }

    /// The message a frame completes, if it completes one.
    fn assemble(&mut self, frame: Frame) -> Result<Option<Incoming>, ProtocolError> {
        let whole = match frame {
            Frame::Text(bytes) => text(bytes)?,
            Frame::Binary(_) => Incoming::Binary,
            Frame::Ping(payload) => Incoming::Ping(payload),
            Frame::Pong(_) => Incoming::Pong,
            Frame::Close(_) => Incoming::Close,
            Frame::Continuation(Item::FirstText(bytes)) => return self.begin(true, &bytes),
            Frame::Continuation(Item::FirstBinary(bytes)) => return self.begin(false, &bytes),
            Frame::Continuation(Item::Continue(bytes)) => return self.extend(&bytes).map(|_| None),
            Frame::Continuation(Item::Last(bytes)) => {
                self.extend(&bytes)?;
                // The codec yields `Last` only after a first fragment.
                let (is_text, joined) = self.fragments.take().unwrap_or_default();
                if is_text {
                    text(joined.freeze())?
                } else {
                    Incoming::Binary
                }
            }
        };
        Ok(Some(whole))
    }

    fn begin(&mut self, is_text: bool, bytes: &[u8]) -> Result<Option<Incoming>, ProtocolError> {
        self.fragments = Some((is_text, BytesMut::new()));
        self.extend(bytes).map(|_| None)
    }

    fn extend(&mut self, bytes: &[u8]) -> Result<(), ProtocolError> {
        let Some((_, joined)) = &mut self.fragments else {
            return Err(ProtocolError::ContinuationNotStarted);
        };
        if joined.len() + bytes.len() > self.max_message {
            return Err(ProtocolError::Overflow);
        }
        joined.extend_from_slice(bytes);
        Ok(())
    }
}

fn text(bytes: Bytes) -> Result<Incoming, ProtocolError> {
    ByteString::try_from(bytes)
        .map(Incoming::Text)
        .map_err(|_| {
            ProtocolError::Io(io::Error::new(
                io::ErrorKind::InvalidData,
                "text frame is not UTF-8",
            ))
        })
}

impl Stream for Inbound {
    type Item = Result<Incoming, ProtocolError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(frame) = this.codec.decode(&mut this.partial).transpose() {
                if this.partial.is_empty() {
                    this.partial = BytesMut::new();
                }
                match frame.and_then(|frame| this.assemble(frame)) {
                    Ok(None) => continue,
                    whole => return Poll::Ready(whole.transpose()),
                }
            }
            let mut chunk = [MaybeUninit::<u8>::uninit(); READ_CHUNK];
            let mut read = ReadBuf::uninit(&mut chunk);
            match ready!(Pin::new(&mut this.io).poll_read(cx, &mut read)) {
                Ok(()) if read.filled().is_empty() => return Poll::Ready(None),
                Ok(()) => this.partial.extend_from_slice(read.filled()),
                Err(err) => return Poll::Ready(Some(Err(ProtocolError::Io(err)))),
            }
        }
    }
}

/// The frames for the client, gathered so that everything queued in one wake-up of the
/// session goes out in one write.
pub struct Outbound {
    /// Gone once the session has handed its last frames to [`Outbound::linger`].
    io: Option<OwnedWriteHalf>,
    pending: BytesMut,
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
            deliveries: 0,
            closing: false,
            waker: None,
        }
    }

    pub fn text(&mut self, text: &str) {
        self.frame(text.as_bytes(), OpCode::Text);
    }

    pub fn ping(&mut self, payload: &[u8]) {
        self.frame(payload, OpCode::Ping);
    }

    pub fn pong(&mut self, payload: &[u8]) {
        self.frame(payload, OpCode::Pong);
    }

    /// Queues the close frame; the first close wins, and nothing is queued after it.
    pub fn close(&mut self, code: u16, reason: &str) {
        if self.closing {
            return;
        }
        self.closing = true;
        let reason = CloseReason {
            code: CloseCode::Other(code),
            description: Some(reason.to_owned()),
        };
        Parser::write_close(&mut self.pending, Some(reason), false);
    }

    fn frame(&mut self, payload: &[u8], opcode: OpCode) {
        if !self.closing {
            Parser::write_message(&mut self.pending, payload, opcode, true, false);
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

    fn poll_write(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
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
            let written = ready!(Pin::new(&mut *io).poll_write(cx, &self.pending))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.advance(written);
        }
        // Written out: an idle connection keeps no buffer.
        self.pending = BytesMut::new();
        self.deliveries = 0;
        Poll::Ready(Ok(()))
    }
}

/// The session's writer, polled on its every wake-up after its mailbox. It never ends
/// of itself; a socket that fails stops the session.
pub struct Writer;

impl<A> ActorFuture<A> for Writer
where
    A: Actor<Context = actix::Context<A>> + AsMut<Outbound>,
{
    type Output = ();

    fn poll(
        self: Pin<&mut Self>,
        act: &mut A,
        ctx: &mut A::Context,
        task: &mut Context<'_>,
    ) -> Poll<()> {
        match act.as_mut().poll_write(task) {
            Poll::Ready(Err(_)) => {
                ctx.stop();
                Poll::Ready(())
            }
            Poll::Ready(Ok(())) | Poll::Pending => Poll::Pending,
        }
    }
}
