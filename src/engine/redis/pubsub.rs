//! The node's one subscriber connection. A subscribed connection cannot carry other
//! commands, so this task owns a dedicated one: it subscribes the control channel and
//! the rooms the node asks for, forwards what arrives, and when the connection drops
//! it says so (`Lost`), reconnects with backoff, resubscribes everything, and says so
//! again (`Resubscribed`) so every room catches up from the store.

use std::{collections::HashSet, time::Duration};

use async_trait::async_trait;
use futures_util::StreamExt;
use redis::AsyncCommands;
use tokio::sync::{
    mpsc::{UnboundedReceiver, UnboundedSender},
    oneshot,
};

use super::{keys::Keys, timed, RedisEngine};
use crate::{
    domain::ids::RoomId,
    engine::{Broker, EngineError, Inbound, Topic},
};

/// First wait before reconnecting; doubles up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// How long `subscribe` waits for Redis to confirm. Past it (Redis slow or away) the
/// room goes on: the subscriber subscribes it when it can, and a reconnect makes every
/// room catch up from the store.
const SUBSCRIBE_WAIT: Duration = Duration::from_secs(1);

/// A change to the set of room channels this node listens to. A subscription carries
/// where to say that Redis confirmed it (dropped unsaid when there is nothing to wait
/// for: already subscribed, or not connected now).
pub enum Command {
    Subscribe(RoomId, oneshot::Sender<()>),
    Unsubscribe(RoomId),
}

/// Runs until the node drops its command sender.
pub async fn run(
    client: redis::Client,
    keys: Keys,
    mut commands: UnboundedReceiver<Command>,
    sink: UnboundedSender<Inbound>,
) {
    let mut rooms: HashSet<RoomId> = HashSet::new();
    let mut backoff = MIN_BACKOFF;
    let mut reconnecting = false;
    loop {
        let pubsub = match client.get_async_pubsub().await {
            Ok(pubsub) => pubsub,
            Err(err) => {
                tracing::warn!(error = %err, "pub/sub connection failed; retrying");
                if sink.send(Inbound::Lost).is_err() {
                    return;
                }
                if !wait_applying(&mut commands, &mut rooms, backoff).await {
                    return;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                reconnecting = true;
                continue;
            }
        };
        let (mut subscriber, mut stream) = pubsub.split();
        let mut channels = vec![keys.control_channel()];
        channels.extend(rooms.iter().map(|&room| keys.room_channel(room)));
        if let Err(err) = subscriber.subscribe(&channels).await {
            tracing::warn!(error = %err, "pub/sub subscribe failed; retrying");
            if sink.send(Inbound::Lost).is_err() {
                return;
            }
            reconnecting = true;
            continue;
        }
        backoff = MIN_BACKOFF;
        if reconnecting {
            tracing::info!(rooms = rooms.len(), "pub/sub connection back; catching up");
            if sink.send(Inbound::Resubscribed).is_err() {
                return;
            }
        }
        reconnecting = true;
        loop {
            tokio::select! {
                command = commands.recv() => {
                    let Some(command) = command else { return };
                    let result = match command {
                        Command::Subscribe(room, confirmed) if rooms.insert(room) => {
                            let result = subscriber.subscribe(keys.room_channel(room)).await;
                            if result.is_ok() {
                                // The room may have stopped waiting: nothing to tell.
                                let _ = confirmed.send(());
                            }
                            result
                        }
                        Command::Unsubscribe(room) if rooms.remove(&room) => {
                            subscriber.unsubscribe(keys.room_channel(room)).await
                        }
                        _ => Ok(()),
                    };
                    if let Err(err) = result {
                        tracing::warn!(error = %err, "pub/sub command failed; reconnecting");
                        if sink.send(Inbound::Lost).is_err() {
                            return;
                        }
                        break;
                    }
                }
                message = stream.next() => {
                    let Some(message) = message else {
                        tracing::warn!("pub/sub connection lost; reconnecting");
                        if sink.send(Inbound::Lost).is_err() {
                            return;
                        }
                        break;
                    };
                    let Ok(payload) = message.get_payload::<String>() else { continue };
                    let channel = message.get_channel_name();
                    let inbound = match keys.channel_room(channel) {
                        Some(room_id) => Inbound::Room { room_id, payload },
                        None => Inbound::Control { payload },
                    };
                    if sink.send(inbound).is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// Sleeps for `pause` while still recording subscription changes, so a reconnect
/// subscribes the right set. Returns false once the node is gone.
async fn wait_applying(
    commands: &mut UnboundedReceiver<Command>,
    rooms: &mut HashSet<RoomId>,
    pause: Duration,
) -> bool {
    let until = tokio::time::Instant::now() + pause;
    loop {
        match tokio::time::timeout_at(until, commands.recv()).await {
            Err(_) => return true,
            Ok(None) => return false,
            Ok(Some(Command::Subscribe(room, _))) => {
                rooms.insert(room);
            }
            Ok(Some(Command::Unsubscribe(room))) => {
                rooms.remove(&room);
            }
        }
    }
}

#[async_trait]
impl Broker for RedisEngine {
    fn start_broker(&self, sink: UnboundedSender<Inbound>) {
        let (commands, receiver) = tokio::sync::mpsc::unbounded_channel();
        if self.subscriber.set(commands).is_ok() {
            let task = run(self.client.clone(), self.keys.clone(), receiver, sink);
            tokio::spawn(task);
        }
    }

    async fn subscribe(&self, room: RoomId) {
        let Some(subscriber) = self.subscriber.get() else {
            return;
        };
        let (confirmed, confirmation) = oneshot::channel();
        if subscriber
            .send(Command::Subscribe(room, confirmed))
            .is_err()
        {
            return tracing::warn!(room_id = %room, "subscriber task gone; room not subscribed");
        }
        // Whether confirmed, unsaid or late, the room goes on (see SUBSCRIBE_WAIT).
        let _ = tokio::time::timeout(SUBSCRIBE_WAIT, confirmation).await;
    }

    fn unsubscribe(&self, room: RoomId) {
        if let Some(subscriber) = self.subscriber.get() {
            if subscriber.send(Command::Unsubscribe(room)).is_err() {
                tracing::warn!(room_id = %room, "subscriber task gone; room not unsubscribed");
            }
        }
    }

    async fn publish(&self, topic: Topic, payload: String) -> Result<(), EngineError> {
        let channel = match topic {
            Topic::Room(room) => self.keys.room_channel(room),
            Topic::Control => self.keys.control_channel(),
        };
        let mut conn = self.conn().await?;
        let _: i64 = timed("publish", conn.publish(channel, payload)).await?;
        Ok(())
    }
}
