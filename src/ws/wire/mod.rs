//! WebSocket framing straight on the socket, once the upgrade is answered.
//!
//! actix-http's HTTP/1 dispatcher keeps a read and a write buffer of 8 KiB each for the
//! life of a connection, which was two thirds of a socket's memory (BENCHMARKS.md,
//! "One room of 10,000 sockets"). Here an idle connection holds no buffer: frames are
//! read through one on the stack, and only the bytes of a frame not yet whole are kept
//! ([`Inbound`]); frames to send are gathered in one buffer, written once per wake-up
//! and released once the socket took it ([`Outbound`]).

mod inbound;
mod outbound;

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use actix::{fut::ActorFuture, Actor, ActorContext};

pub use inbound::{Inbound, Incoming};
pub use outbound::Outbound;

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
