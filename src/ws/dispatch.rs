//! The table from a WebSocket room request to the core: each command runs on its
//! room's actor exactly as its REST twin does, and its answer becomes an `ack` (or an
//! `error`) with the request's `id`.

use bytestring::ByteString;
use serde::Serialize;

use super::protocol::{self, RoomRequest};
use crate::core::{auth::Caller, ApiError, Core, ErrorCode};

/// The answer frame, and the error's code when the request was refused.
pub async fn dispatch(
    core: &Core,
    caller: Caller,
    id: Option<&str>,
    request: RoomRequest,
) -> (ByteString, Option<ErrorCode>) {
    use RoomRequest as R;
    match request {
        R::Send(command) => {
            let sent = core.run(caller, command).await;
            if sent.as_ref().is_ok_and(|sent| sent.body.is_new()) {
                core.node.metrics.messages_ws.inc();
            }
            ack(id, sent)
        }
        R::Edit(command) => ack(id, core.run(caller, command).await),
        R::Delete(command) => ack(id, core.run(caller, command).await),
        R::AddReaction(command) => ack(id, core.run(caller, command).await),
        R::RemoveReaction(command) => ack(id, core.run(caller, command).await),
        R::Typing(command) => ack(id, core.run(caller, command).await),
        R::Read(command) => ack(id, core.run(caller, command).await),
        R::Join(command) => ack(id, core.run(caller, command).await),
        R::Leave(command) => ack(id, core.run(caller, command).await),
        R::Presence(command) => ack(id, core.run(caller, command).await),
    }
}

fn ack(
    id: Option<&str>,
    answer: Result<impl Serialize, ApiError>,
) -> (ByteString, Option<ErrorCode>) {
    match answer {
        Ok(data) => (protocol::reply("ack", id, data), None),
        Err(err) => (protocol::error(id, &err), Some(err.code())),
    }
}
