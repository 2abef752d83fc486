//! The client's frames, read off the socket through a buffer on the stack.

use std::{
    io,
    mem::MaybeUninit,
    pin::Pin,
    task::{ready, Context, Poll},
};

use actix_codec::Decoder;
use actix_http::ws::{Codec, Frame, Item, ProtocolError};
use bytes::{Bytes, BytesMut};
use bytestring::ByteString;
use futures_util::Stream;
use tokio::{
    io::{AsyncRead, ReadBuf},
    net::tcp::OwnedReadHalf,
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
