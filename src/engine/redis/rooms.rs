//! Rooms: the JSON record, the counters in `room:{id}:state` (written by the append
//! script), the creation-order set for `list_rooms`, and the pair key of direct rooms.

use chrono::Utc;
use redis::Pipeline;

use super::{
    pages::{lex_page, ordered_id},
    purge::{self, Purge},
    reads::{read_member, read_room},
    records::*,
    replies, timed, unexpected, RedisEngine,
};
use crate::{
    domain::{
        ids::{ClientId, RoomId, UserId},
        page::{Page, PageRequest},
        room::{Member, Membership, Room, RoomStats},
    },
    engine::{
        rules::paging::{member_cursor, room_cursor},
        EngineError,
    },
};

pub(super) async fn create_room(
    engine: &RedisEngine,
    room: &Room,
    members: &[Membership],
) -> Result<(), EngineError> {
    let mut pipe = redis::pipe();
    pipe.atomic()
        .set(engine.keys.room(room.id), to_json(room)?)
        .zadd(engine.keys.room_order(room.client_id), room_cursor(room), 0);
    for membership in members {
        engine.queue_insert_member(&mut pipe, membership)?;
    }
    let mut conn = engine.conn().await?;
    timed("create_room", pipe.query_async::<()>(&mut conn)).await
}

pub(super) async fn create_direct_room(
    engine: &RedisEngine,
    room: &Room,
    pair: &[Membership; 2],
) -> Result<RoomId, EngineError> {
    let [a, b] = pair;
    let pair_key = engine.keys.direct_pair(
        room.client_id,
        a.user_id.min(b.user_id),
        a.user_id.max(b.user_id),
    );
    let mut invocation = engine.scripts.create_direct_room.prepare_invoke();
    invocation
        .key(pair_key)
        .key(engine.keys.room(room.id))
        .key(engine.keys.room_order(room.client_id))
        .key(engine.keys.members(room.id))
        .key(engine.keys.member_order(room.id))
        .key(engine.keys.room_state(room.id))
        .key(engine.keys.user_rooms(a.user_id))
        .key(engine.keys.user_rooms(b.user_id))
        .arg(room.id.to_string())
        .arg(to_json(room)?)
        .arg(room_cursor(room))
        .arg(&engine.keys.room_family(room.id.shard()).args());
    for membership in pair {
        invocation
            .arg(membership.user_id.to_string())
            .arg(membership_json(membership)?)
            .arg(member_cursor(membership));
    }
    let mut conn = engine.conn().await?;
    let id: String = timed("create_direct_room", invocation.invoke_async(&mut conn)).await?;
    RoomId::parse(&id).ok_or_else(|| unexpected("create_direct_room", &id))
}

pub(super) async fn get_room(
    engine: &RedisEngine,
    id: RoomId,
) -> Result<Option<(Room, RoomStats)>, EngineError> {
    let mut pipe = redis::pipe();
    pipe.atomic();
    engine.queue_room(&mut pipe, id);
    let mut conn = engine.conn().await?;
    read_room(&mut replies(&mut conn, &pipe).await?)
}

/// Queues the room's reads and the membership's in one atomic pipeline: one round
/// trip, and no write can fall between the two.
pub(super) async fn get_room_with_member(
    engine: &RedisEngine,
    id: RoomId,
    user: Option<UserId>,
) -> Result<Option<(Room, RoomStats, Option<Member>)>, EngineError> {
    let mut pipe = redis::pipe();
    pipe.atomic();
    engine.queue_room(&mut pipe, id);
    if let Some(user) = user {
        engine.queue_member(&mut pipe, id, user);
    }
    let mut conn = engine.conn().await?;
    let mut replies = replies(&mut conn, &pipe).await?;
    let room = read_room(&mut replies)?;
    let member = match user {
        Some(_) => read_member(&mut replies)?,
        None => None,
    };
    Ok(room.map(|(room, stats)| (room, stats, member)))
}

pub(super) async fn list_rooms(
    engine: &RedisEngine,
    client: ClientId,
    page: &PageRequest,
) -> Result<Page<(Room, RoomStats)>, EngineError> {
    let mut conn = engine.conn().await?;
    let queue = |pipe: &mut Pipeline, member: &str| {
        engine.queue_room(pipe, ordered_id(member, RoomId::parse)?);
        Ok(())
    };
    let order = engine.keys.room_order(client);
    lex_page(
        &mut conn,
        &order,
        page.cursor.as_deref(),
        page.limit,
        queue,
        read_room,
    )
    .await
}

pub(super) async fn update_room(engine: &RedisEngine, room: &Room) -> Result<(), EngineError> {
    let mut conn = engine.conn().await?;
    // XX: a room deleted meanwhile stays deleted, as in the memory engine.
    let _: redis::Value = timed(
        "update_room",
        redis::cmd("SET")
            .arg(engine.keys.room(room.id))
            .arg(to_json(room)?)
            .arg("XX")
            .query_async(&mut conn),
    )
    .await?;
    Ok(())
}

/// Makes the room absent in one atomic step, then removes what it leaves in bounded
/// chunks (`purge.rs`).
pub(super) async fn delete_room(
    engine: &RedisEngine,
    room: &Room,
) -> Result<Vec<UserId>, EngineError> {
    let mut conn = engine.conn().await?;
    purge::announce(engine, &mut conn, room.id.shard()).await?;
    let found: Vec<u64> = timed(
        "delete_room",
        engine
            .scripts
            .delete_room
            .key(engine.keys.room(room.id))
            .key(engine.keys.members(room.id))
            .key(engine.keys.member_order(room.id))
            .key(engine.keys.reads(room.id))
            .key(engine.keys.messages(room.id))
            .key(engine.keys.room_state(room.id))
            .key(engine.keys.room_order(room.client_id))
            .key(engine.keys.purged_members(room.id))
            .key(engine.keys.purged_messages(room.id))
            .key(engine.keys.purges(room.id.shard()))
            .arg(room.id.to_string())
            .arg(room_cursor(room))
            .arg(Utc::now().timestamp_millis())
            .invoke_async(&mut conn),
    )
    .await?;
    let Some(&last) = found.first() else {
        return Ok(Vec::new());
    };
    let purge = Purge::Room {
        room: room.id,
        last,
    };
    purge::finish(engine, &mut conn, purge).await
}
