//! What a deletion leaves after its atomic first step (`delete_room.lua`,
//! `delete_user.lua`): the entries elsewhere that point back at the room or the user.
//! They are removed [`PURGE_CHUNK`] at a time, each chunk one bounded call, so
//! deleting a huge room, or a user of many rooms, never holds Redis for everyone else:
//! other commands run between two chunks. The first step already made the room or
//! user absent to every reader and set its entries aside under names no reader knows,
//! so nothing of this is visible while it runs.
//!
//! A node that dies midway leaves its `purge:` keys behind (and message index entries
//! that point at no message, which read as absent): garbage, never visible state.

use redis::aio::ConnectionManager;
use redis::AsyncCommands;

use super::{records::message_from_json, timed, unexpected, RedisEngine};
use crate::{
    domain::ids::{RoomId, UserId},
    engine::EngineError,
};

/// Entries removed per call: small enough that one call takes well under a
/// millisecond, large enough that a room of a million messages takes 2,000 calls.
const PURGE_CHUNK: usize = 500;

/// Removes a deleted room from its former members' room sets; returns who they were.
pub(super) async fn room_members(
    engine: &RedisEngine,
    conn: &mut ConnectionManager,
    room: RoomId,
) -> Result<Vec<UserId>, EngineError> {
    let set_aside = engine.keys.purged_members(room);
    let mut members = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, entries): (u64, Vec<String>) = timed(
            "purge_room_members",
            redis::cmd("HSCAN")
                .arg(&set_aside)
                .arg(cursor)
                .arg("COUNT")
                .arg(PURGE_CHUNK)
                .query_async(conn),
        )
        .await?;
        // Field, value, field, value…: the fields are the user ids.
        let mut pipe = redis::pipe();
        for id in entries.iter().step_by(2) {
            let user = UserId::parse(id).ok_or_else(|| unexpected("a members hash", id))?;
            pipe.zrem(engine.keys.user_rooms(user), room.to_string())
                .ignore();
            members.push(user);
        }
        if !entries.is_empty() {
            timed("purge_room_members", pipe.query_async::<()>(conn)).await?;
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
    timed("purge_room_members", conn.unlink::<_, ()>(&set_aside)).await?;
    // A scan may return an entry twice.
    members.sort();
    members.dedup();
    Ok(members)
}

/// Removes the index entries of a deleted room's messages (`seq` 1..=`last`), then
/// the messages themselves.
pub(super) async fn room_messages(
    engine: &RedisEngine,
    conn: &mut ConnectionManager,
    room: RoomId,
    last: u64,
) -> Result<(), EngineError> {
    let set_aside = engine.keys.purged_messages(room);
    let chunk = PURGE_CHUNK as u64;
    let mut low = 1;
    while low <= last {
        let high = last.min(low.saturating_add(chunk - 1));
        let seqs: Vec<u64> = (low..=high).collect();
        let texts: Vec<Option<String>> = timed(
            "purge_room_messages",
            redis::cmd("HMGET")
                .arg(&set_aside)
                .arg(&seqs)
                .query_async(conn),
        )
        .await?;
        let mut index = Vec::with_capacity(seqs.len());
        for (seq, text) in seqs.iter().zip(texts) {
            if let Some(text) = text {
                index.push(engine.keys.message(message_from_json(&text, *seq)?.id));
            }
        }
        if !index.is_empty() {
            timed("purge_room_messages", conn.unlink::<_, ()>(&index)).await?;
        }
        low = high.saturating_add(1);
    }
    // UNLINK frees the hash in the background, however large.
    timed("purge_room_messages", conn.unlink::<_, ()>(&set_aside)).await
}

/// Removes a deleted user's memberships, a chunk of its rooms per script call.
pub(super) async fn user_memberships(
    engine: &RedisEngine,
    conn: &mut ConnectionManager,
    user: UserId,
) -> Result<(), EngineError> {
    let set_aside = engine.keys.purged_user_rooms(user);
    loop {
        let left: u64 = timed(
            "purge_user_memberships",
            engine
                .scripts
                .purge_memberships
                .key(&set_aside)
                .arg(user.to_string())
                .arg(PURGE_CHUNK)
                .arg(&engine.keys.members_family(user.shard()).args())
                .arg(&engine.keys.member_order_family(user.shard()).args())
                .arg(&engine.keys.reads_family(user.shard()).args())
                .invoke_async(conn),
        )
        .await?;
        if left == 0 {
            return Ok(());
        }
    }
}
