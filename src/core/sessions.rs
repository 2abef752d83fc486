//! What a WebSocket session asks of the core besides room commands: to be registered
//! with its user's rooms, and to replay what it missed.

use std::collections::HashMap;

use super::{
    actors::messages::{Connect, SessionLink},
    ApiError, Core, ErrorCode,
};
use chrono::Utc;
use futures_util::future::try_join_all;

use crate::domain::{
    ids::{RoomId, UserId},
    keys::{is_live, KeyDigest},
    message::{HistoryRange, Message},
    page::{PageRequest, MAX_LIMIT},
};

/// One room's replay: the client's position, the messages after it, and whether
/// there were more than the replay's budget left room for.
pub struct Missed {
    pub room_id: RoomId,
    pub after: u64,
    pub messages: Vec<Message>,
    pub truncated: bool,
}

impl Core {
    /// Registers a session opened with `key` and subscribes it to every room its user
    /// is in; answers each room's starting `seq`. Refused (`INVALID_CREDENTIALS`, and
    /// the session closes with 4003) if the key was revoked meanwhile.
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
        let started = self
            .registry
            .send(Connect { link, key, rooms })
            .await
            .map_err(|_| ApiError::new(ErrorCode::ServiceUnavailable))?;
        // A revocation that landed between authentication and registration could
        // reach no session; from now on one would. So the key is read once more.
        let record = self.engine.find_key(&key).await?;
        if is_live(record.as_ref(), Utc::now()) {
            Ok(started)
        } else {
            Err(ApiError::with_detail(
                ErrorCode::InvalidCredentials,
                "The key was revoked while connecting",
            ))
        }
    }

    /// For each room the user is a member of, the messages after the client's
    /// position, oldest first, at most `budget` over all the rooms together, so one
    /// request's replay is bounded however many rooms it names. Rooms the user is not
    /// in are left out.
    ///
    /// Every room's membership and last `seq` are read at once, concurrently: after a
    /// reconnect most rooms have nothing new, and those cost no history read, nor do
    /// the rooms past the budget (their last `seq` says whether they were cut short).
    /// A message stored after that read reaches the session live, as every later one.
    pub async fn missed(
        &self,
        user: UserId,
        rooms: HashMap<RoomId, u64>,
        budget: usize,
    ) -> Result<Vec<Missed>, ApiError> {
        let rooms: Vec<(RoomId, u64)> = rooms.into_iter().collect();
        let reads = rooms
            .iter()
            .map(|&(room_id, _)| self.engine.get_room_with_member(room_id, Some(user)));
        let found = try_join_all(reads).await?;
        let mut missed = Vec::new();
        let mut left = budget;
        for ((room_id, after), found) in rooms.into_iter().zip(found) {
            let Some((_, stats, Some(_))) = found else {
                continue;
            };
            let newer = stats.last_seq > after;
            // Past the budget, a room with newer messages is cut short unread.
            let (mut messages, mut truncated) = (Vec::new(), newer);
            if newer && left > 0 {
                // One more than fits tells whether there is more.
                messages = self
                    .engine
                    .list_messages(room_id, HistoryRange::After(after), left + 1)
                    .await?;
                truncated = messages.len() > left;
                messages.truncate(left);
                left -= messages.len();
            }
            missed.push(Missed {
                room_id,
                after,
                messages,
                truncated,
            });
        }
        Ok(missed)
    }
}
