//! Group commit: the sends that reach a room while it is busy are committed together,
//! so one busy room is not capped by the store's round trip (one round trip per batch
//! on Redis, however many sends it holds).
//!
//! A send is queued and answered later; the first one queued schedules a commit,
//! which runs after the mailbox is drained, so every send already waiting joins it.
//! Any other request commits the queue first, so requests keep their arrival order.

use std::time::Instant;

use actix::{
    ActorFuture, ActorFutureExt, AsyncContext, Context, Handler, Message, ResponseFuture,
    WrapFuture,
};
use tokio::sync::oneshot;

use super::RoomActor;
use crate::core::{
    actors::messages::Execute,
    messages::{send_batch, QueuedSend, SendMessage, Sent},
    ApiError, ErrorCode,
};

/// A send waiting for the next commit, with where its answer goes.
pub(super) type Pending = (QueuedSend, oneshot::Sender<Result<Sent, ApiError>>);

/// Commit the queued sends now.
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct CommitSends;

impl RoomActor {
    /// Commits every queued send: the future holds the actor's next requests (it runs
    /// inside `wait` or an atomic response), and the answers go out once each send's
    /// message is fanned out here. Nothing to do when the queue is empty.
    pub(super) fn commit_sends(&mut self) -> impl ActorFuture<Self, Output = ()> {
        let (sends, answers): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.queued_sends).into_iter().unzip();
        let engine = self.engine.clone();
        let node = self.node.clone();
        let room_id = self.room_id;
        let client = self.client_id;
        async move {
            if sends.is_empty() {
                return (client, Vec::new());
            }
            node.metrics.send_batch_size.observe(sends.len() as f64);
            send_batch(engine.as_ref(), &node, room_id, client, sends).await
        }
        .into_actor(self)
        .map(move |(client, outcomes), act, ctx| {
            act.client_id = act.client_id.or(client);
            // The batch's new messages go to each session as one delivery.
            let (outcomes, events): (Vec<_>, Vec<_>) = outcomes.into_iter().unzip();
            let messages = events
                .iter()
                .flatten()
                .filter_map(|event| Some((event.stream_seq()?, event)));
            act.deliver_messages(messages, Instant::now(), ctx);
            for (outcome, answer) in outcomes.into_iter().zip(answers) {
                // The caller may have gone (a closed connection): nothing to tell.
                let _ = answer.send(outcome);
            }
        })
    }
}

impl Handler<Execute<SendMessage>> for RoomActor {
    type Result = ResponseFuture<Result<Sent, ApiError>>;

    fn handle(&mut self, msg: Execute<SendMessage>, ctx: &mut Context<Self>) -> Self::Result {
        self.last_request = Instant::now();
        if self.queued_sends.is_empty() {
            ctx.notify(CommitSends);
        }
        let (answer, answered) = oneshot::channel();
        let send = QueuedSend {
            caller: msg.caller,
            command: msg.command,
        };
        self.queued_sends.push((send, answer));
        Box::pin(async move {
            answered.await.unwrap_or_else(|_| {
                Err(ApiError::with_detail(
                    ErrorCode::ServiceUnavailable,
                    "The room is restarting; retry",
                ))
            })
        })
    }
}

impl Handler<CommitSends> for RoomActor {
    type Result = ();

    fn handle(&mut self, _: CommitSends, ctx: &mut Context<Self>) {
        if !self.queued_sends.is_empty() {
            let commit = self.commit_sends();
            ctx.wait(commit);
        }
    }
}
