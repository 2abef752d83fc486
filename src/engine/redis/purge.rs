//! What a deletion leaves after its atomic first step (`delete_room.lua`,
//! `delete_user.lua`): the entries elsewhere that point back at the room or the user.
//! They are removed [`PURGE_CHUNK`] at a time, each chunk one bounded call, so
//! deleting a huge room, or a user of many rooms, never holds Redis for everyone else:
//! other commands run between two chunks. The first step already made the room or
//! user absent to every reader and set its entries aside under names no reader knows,
//! so nothing of this is visible while it runs.
//!
//! The first step also enters the deletion in its shard's unfinished deletions, and
//! the last chunk takes it out. A node that dies midway leaves garbage, never visible
//! state: its `purge:` keys, and message index entries that point at no message,
//! which read as absent. [`resume`] has any node finish such a deletion later.

use chrono::Utc;
use redis::aio::ConnectionManager;
use redis::AsyncCommands;

use super::{records::message_from_json, timed, unexpected, RedisEngine};
use crate::{
    domain::ids::{RoomId, Shard, UserId},
    engine::EngineError,
};

/// Entries removed per call: small enough that one call takes well under a
/// millisecond, large enough that a room of a million messages takes 2,000 calls.
const PURGE_CHUNK: usize = 500;
/// How old an unfinished deletion must be before another node takes it over: far
/// longer than the largest one takes (a million messages: 2,000 calls, a second or
/// two). Taking over one still running would only remove some entries twice.
const TAKE_OVER_AFTER_MS: i64 = 60_000;
/// Unfinished deletions taken over per shard and call of [`resume`].
const RESUME_BATCH: isize = 100;

/// A deletion whose entries are being removed, as its shard's set of unfinished
/// deletions names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purge {
    /// A room, whose messages were numbered `1..=last`.
    Room {
        room: RoomId,
        last: u64,
    },
    User(UserId),
}

impl Purge {
    /// The entry; `delete_room.lua` spells the room's form itself, as it learns `last`.
    pub(super) fn entry(&self) -> String {
        match self {
            Purge::Room { room, last } => format!("room:{room}:{last}"),
            Purge::User(user) => format!("user:{user}"),
        }
    }

    fn parse(entry: &str) -> Option<Self> {
        if let Some(user) = entry.strip_prefix("user:") {
            return UserId::parse(user).map(Purge::User);
        }
        let (room, last) = entry.strip_prefix("room:")?.split_once(':')?;
        Some(Purge::Room {
            room: RoomId::parse(room)?,
            last: last.parse().ok()?,
        })
    }

    fn shard(&self) -> Shard {
        match self {
            Purge::Room { room, .. } => room.shard(),
            Purge::User(user) => user.shard(),
        }
    }
}

/// Marks `shard` as one whose unfinished deletions [`resume`] reads. Sent before the
/// deletion's first step, which enters the deletion itself.
pub(super) async fn announce(
    engine: &RedisEngine,
    conn: &mut ConnectionManager,
    shard: Shard,
) -> Result<(), EngineError> {
    let shards = engine.keys.purge_shards();
    timed("purge", conn.sadd::<_, _, ()>(shards, shard.to_string())).await
}

/// Removes every entry a deletion left, then takes it out of the unfinished ones.
/// Answers a room's former members (none for a user).
pub(super) async fn finish(
    engine: &RedisEngine,
    conn: &mut ConnectionManager,
    purge: Purge,
) -> Result<Vec<UserId>, EngineError> {
    let members = match purge {
        Purge::Room { room, last } => {
            room_messages(engine, conn, room, last).await?;
            room_members(engine, conn, room).await?
        }
        Purge::User(user) => {
            user_memberships(engine, conn, user).await?;
            Vec::new()
        }
    };
    let unfinished = engine.keys.purges(purge.shard());
    timed("purge", conn.zrem::<_, _, ()>(unfinished, purge.entry())).await?;
    Ok(members)
}

/// Finishes the deletions that were begun over a minute ago and are still not done:
/// their node stopped midway. Answers how many it finished.
pub(super) async fn resume(engine: &RedisEngine) -> Result<usize, EngineError> {
    let mut conn = engine.conn().await?;
    let shards: Vec<String> = timed("purge", conn.smembers(engine.keys.purge_shards())).await?;
    let before = Utc::now().timestamp_millis() - TAKE_OVER_AFTER_MS;
    let mut finished = 0;
    for shard in shards.iter().filter_map(|shard| Shard::parse(shard)) {
        let stale: Vec<String> = timed(
            "purge",
            conn.zrangebyscore_limit(engine.keys.purges(shard), "-inf", before, 0, RESUME_BATCH),
        )
        .await?;
        for entry in stale {
            let purge = Purge::parse(&entry).ok_or_else(|| unexpected("a purge entry", &entry))?;
            finish(engine, &mut conn, purge).await?;
            finished += 1;
        }
    }
    Ok(finished)
}

/// Removes a deleted room from its former members' room sets; returns who they were.
/// A second run finds nothing left to remove and answers no one.
async fn room_members(
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
async fn room_messages(
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
async fn user_memberships(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_back_as_its_deletion() {
        let shard = Shard::parse("ab12").unwrap();
        for purge in [
            Purge::Room {
                room: RoomId::random_in(shard),
                last: 2_000,
            },
            Purge::User(UserId::random_in(shard)),
        ] {
            assert_eq!(Purge::parse(&purge.entry()), Some(purge));
            assert_eq!(purge.shard(), shard);
        }
        for bad in ["", "room:x:1", "user:x", "room:ab12", "other:ab12"] {
            assert_eq!(Purge::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn delete_room_lua_spells_a_room_entry_as_rust_does() {
        let script = include_str!("scripts/delete_room.lua");
        assert!(
            script.contains("'room:' .. ARGV[1] .. ':' .. last"),
            "{script}"
        );
    }
}
