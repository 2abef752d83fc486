//! What a WebSocket session asks of the core besides room commands: to be registered
//! with its user's rooms, and to replay what it missed.

use std::collections::HashMap;

use super::{
    actors::messages::{Connect, SessionLink},
    ApiError, Core, ErrorCode,
};
use crate::domain::{
    ids::{RoomId, UserId},
    keys::KeyDigest,
    message::{HistoryRange, Message},
    page::{PageRequest, MAX_LIMIT},
};

/// One room's replay: the client's position, and the messages after it.
pub struct Missed {
    pub room_id: RoomId,
    pub after: u64,
    pub messages: Vec<Message>,
}

impl Core {
    /// Registers a session opened with `key` and subscribes it to every room its user
    /// is in; answers each room's starting `seq`.
    pub async fn connect(
        &self,
        link: SessionLink,
        key: KeyDigest,
    ) -> Result<Vec<(RoomId, u64)>, ApiError> {
        let mut rooms = Vec::new();
        let mut page = PageRequest {
            limit: MAX_LIMIT,
            cursor: None,
        };
        loop {
            let batch = self.engine.list_user_rooms(link.user_id, &page).await?;
            rooms.extend(batch.data.iter().map(|(room, _, _)| room.id));
            match batch.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
        }
        self.registry
            .send(Connect { link, key, rooms })
            .await
            .map_err(|_| ApiError::new(ErrorCode::ServiceUnavailable))
    }

    /// For each room the user is a member of, at most `limit` messages after the
    /// client's position, oldest first. Rooms the user is not in are left out.
    pub async fn missed(
        &self,
        user: UserId,
        rooms: HashMap<RoomId, u64>,
        limit: usize,
    ) -> Result<Vec<Missed>, ApiError> {
        let mut missed = Vec::new();
        for (room_id, after) in rooms {
            if self.engine.get_member(room_id, user).await?.is_none() {
                continue;
            }
            let messages = self
                .engine
                .list_messages(room_id, HistoryRange::After(after), limit)
                .await?;
            missed.push(Missed {
                room_id,
                after,
                messages,
            });
        }
        Ok(missed)
    }
}
