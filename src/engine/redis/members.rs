//! Memberships: per room, a hash of membership JSON, a hash of read positions and the
//! joining-order set for `list_members`; per user, the set of their rooms by id.

use redis::Pipeline;

use super::{
    pages::{lex_page, ordered_id},
    reads::{read_member, read_room},
    records::*,
    replies, timed, unexpected, RedisEngine, Replies,
};
use crate::{
    domain::{
        ids::{RoomId, UserId},
        page::{Page, PageRequest},
        room::{Member, Membership, Room, RoomStats},
    },
    engine::{
        rules::paging::{member_cursor, user_room_after, user_room_cursor},
        AddMember, EngineError,
    },
};

impl RedisEngine {
    /// Queues a membership's writes (record, order entry, the user's room set);
    /// the caller has checked the rules and makes the pipeline atomic.
    pub(super) fn queue_insert_member(
        &self,
        pipe: &mut Pipeline,
        membership: &Membership,
    ) -> Result<(), EngineError> {
        let room = membership.room_id;
        pipe.hset(
            self.keys.members(room),
            membership.user_id.to_string(),
            membership_json(membership)?,
        )
        .zadd(self.keys.member_order(room), member_cursor(membership), 0)
        .zadd(
            self.keys.user_rooms(membership.user_id),
            user_room_cursor(room),
            0,
        );
        Ok(())
    }
}

pub(super) async fn add_member(
    engine: &RedisEngine,
    membership: &Membership,
    max_members: u32,
) -> Result<AddMember, EngineError> {
    let room = membership.room_id;
    let mut conn = engine.conn().await?;
    let reply: Vec<String> = timed(
        "add_member",
        engine
            .scripts
            .add_member
            .key(engine.keys.room(room))
            .key(engine.keys.members(room))
            .key(engine.keys.member_order(room))
            .key(engine.keys.user_rooms(membership.user_id))
            .key(engine.keys.user(membership.user_id))
            .key(engine.keys.room_state(room))
            .arg(membership.user_id.to_string())
            .arg(membership_json(membership)?)
            .arg(member_cursor(membership))
            .arg(room.to_string())
            .arg(max_members)
            .invoke_async(&mut conn),
    )
    .await?;
    let words: Vec<&str> = reply.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["ADDED", seq] => Ok(AddMember::Added {
            last_seq: parse_seq(seq)?,
        }),
        ["GONE"] => Ok(AddMember::RoomGone),
        ["USER_GONE"] => Ok(AddMember::UserGone),
        ["MEMBER"] => Ok(AddMember::AlreadyMember),
        ["FULL"] => Ok(AddMember::Full),
        _ => Err(unexpected("add_member", &reply.join(" "))),
    }
}

pub(super) async fn remove_member(
    engine: &RedisEngine,
    room: RoomId,
    user: UserId,
) -> Result<bool, EngineError> {
    let mut conn = engine.conn().await?;
    let removed: i64 = timed(
        "remove_member",
        engine
            .scripts
            .remove_member
            .key(engine.keys.members(room))
            .key(engine.keys.member_order(room))
            .key(engine.keys.reads(room))
            .key(engine.keys.user_rooms(user))
            .arg(room.to_string())
            .arg(user.to_string())
            .invoke_async(&mut conn),
    )
    .await?;
    Ok(removed == 1)
}

pub(super) async fn get_member(
    engine: &RedisEngine,
    room: RoomId,
    user: UserId,
) -> Result<Option<Member>, EngineError> {
    let mut pipe = redis::pipe();
    pipe.atomic();
    engine.queue_member(&mut pipe, room, user);
    let mut conn = engine.conn().await?;
    read_member(&mut replies(&mut conn, &pipe).await?)
}

pub(super) async fn list_members(
    engine: &RedisEngine,
    room: RoomId,
    page: &PageRequest,
) -> Result<Page<Member>, EngineError> {
    let mut conn = engine.conn().await?;
    let queue = |pipe: &mut Pipeline, member: &str| {
        engine.queue_member(pipe, room, ordered_id(member, UserId::parse)?);
        Ok(())
    };
    let order = engine.keys.member_order(room);
    lex_page(
        &mut conn,
        &order,
        page.cursor.as_deref(),
        page.limit,
        queue,
        read_member,
    )
    .await
}

pub(super) async fn list_user_rooms(
    engine: &RedisEngine,
    user: UserId,
    page: &PageRequest,
) -> Result<Page<(Room, RoomStats, Member)>, EngineError> {
    let mut conn = engine.conn().await?;
    let after = user_room_after(page.cursor.as_deref()).map(user_room_cursor);
    let queue = |pipe: &mut Pipeline, member: &str| {
        let room = RoomId::parse(member).ok_or_else(|| unexpected("user rooms", member))?;
        engine.queue_room(pipe, room);
        engine.queue_member(pipe, room, user);
        Ok(())
    };
    let read = |replies: &mut Replies| {
        let room = read_room(replies)?;
        let member = read_member(replies)?;
        Ok(room
            .zip(member)
            .map(|((room, stats), member)| (room, stats, member)))
    };
    let rooms = engine.keys.user_rooms(user);
    lex_page(&mut conn, &rooms, after.as_deref(), page.limit, queue, read).await
}

pub(super) async fn mark_read(
    engine: &RedisEngine,
    room: RoomId,
    user: UserId,
    seq: u64,
) -> Result<Option<u64>, EngineError> {
    let mut conn = engine.conn().await?;
    let position: Option<String> = timed(
        "mark_read",
        engine
            .scripts
            .mark_read
            .key(engine.keys.members(room))
            .key(engine.keys.reads(room))
            .arg(user.to_string())
            .arg(seq.to_string())
            .invoke_async(&mut conn),
    )
    .await?;
    position.as_deref().map(parse_seq).transpose()
}
