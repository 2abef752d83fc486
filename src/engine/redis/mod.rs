//! The Redis back end: state shared by every node. Commands go through a deadpool
//! pool; every command has a deadline, and every connection-level failure becomes
//! [`EngineError::Unavailable`], so an outage is a 503 and the node recovers by itself
//! when Redis returns (the pool drops dead connections on checkout).

mod keys;
mod presence;
mod pubsub;
mod records;
mod scripts;

use std::{collections::HashMap, future::Future, time::Duration};

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_redis::{Config, Connection, Pool, PoolConfig, Runtime, Timeouts};
use redis::{
    streams::StreamRangeReply, AsyncCommands, FromRedisValue, Pipeline, RedisError, RedisResult,
};
use tokio::sync::mpsc::UnboundedSender;

use self::{keys::Keys, records::*, scripts::Scripts};
use super::{AddMember, EngineError, Rotation, Store, Update};
use crate::domain::{
    client::Client,
    ids::{ClientId, MessageId, RoomId, UserId},
    keys::{KeyDigest, KeyOwner, KeyRecord, RECORD_RETENTION},
    message::{Appended, HistoryRange, Message, IDEMPOTENCY_WINDOW},
    page::{Page, PageRequest},
    room::{Member, Membership, Room, RoomStats},
    security_event::{EventFilter, SecurityEvent, RETENTION},
    user::{User, UserFilter},
};

/// How long one command may take before the store counts as unavailable.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// How long to wait for a pooled connection, or to open one.
const POOL_TIMEOUT: Duration = Duration::from_secs(2);
/// Connections per node: commands are pipelined per connection, so a few suffice.
const POOL_SIZE: usize = 32;
/// Entries read per round trip when a listing filters.
const SCAN_BATCH: usize = 200;
/// Field of a security event's stream entry that holds its JSON.
const EVENT_FIELD: &str = "e";
/// Fields of `room:{id}:state`; `append_message.lua` writes them under the same names.
const STATE_SEQ: &str = "seq";
const STATE_LAST_MESSAGE_AT: &str = "last_message_at";

pub struct RedisEngine {
    pool: Pool,
    /// For the dedicated subscriber connection, which a pool cannot give.
    client: redis::Client,
    keys: Keys,
    scripts: Scripts,
    /// Commands to the subscriber task, once `start_broker` has started it.
    subscriber: std::sync::OnceLock<UnboundedSender<pubsub::Command>>,
}

impl RedisEngine {
    /// Builds the pool; no connection is made until first use, so a node starts even
    /// while Redis is down and reports itself not ready.
    pub fn new(url: &str, prefix: &str) -> Result<Self, EngineError> {
        let mut config = Config::from_url(url);
        config.pool = Some(PoolConfig {
            max_size: POOL_SIZE,
            timeouts: Timeouts {
                wait: Some(POOL_TIMEOUT),
                create: Some(POOL_TIMEOUT),
                recycle: Some(POOL_TIMEOUT),
            },
            ..PoolConfig::default()
        });
        let pool = config
            .create_pool(Some(Runtime::Tokio1))
            .map_err(|e| EngineError::Unavailable(anyhow!("cannot build the Redis pool: {e}")))?;
        let client = redis::Client::open(url)
            .map_err(|e| EngineError::Unavailable(anyhow!("bad Redis URL: {e}")))?;
        Ok(Self {
            pool,
            client,
            keys: Keys::new(prefix),
            scripts: Scripts::load(),
            subscriber: std::sync::OnceLock::new(),
        })
    }

    async fn conn(&self) -> Result<Connection, EngineError> {
        self.pool
            .get()
            .await
            .map_err(|e| EngineError::Unavailable(anyhow!("no Redis connection: {e}")))
    }

    /// The revocation arguments every revoking script takes first (see revoke.lua).
    fn revocation_args(&self, revoked_at: DateTime<Utc>) -> [String; 3] {
        [
            self.keys.key_record_prefix(),
            revoked_at.to_rfc3339(),
            (revoked_at + RECORD_RETENTION)
                .timestamp_millis()
                .to_string(),
        ]
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        key: String,
    ) -> Result<Option<T>, EngineError> {
        let mut conn = self.conn().await?;
        let text: Option<String> = timed(conn.get(key)).await?;
        text.map(|t| from_json(&t)).transpose()
    }

    /// Queues a membership's writes (record, order entry, the user's room set);
    /// the caller has checked the rules and makes the pipeline atomic.
    fn queue_insert_member(
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
        .zadd(self.keys.member_order(room), membership.order_key(), 0)
        .zadd(
            self.keys.user_rooms(membership.user_id),
            room.to_string(),
            0,
        );
        Ok(())
    }

    /// Queues the reads of a room and its counters; [`read_room`] takes the replies.
    fn queue_room(&self, pipe: &mut Pipeline, id: RoomId) {
        let state = self.keys.room_state(id);
        pipe.get(self.keys.room(id))
            .hlen(self.keys.members(id))
            .hget(&state, STATE_SEQ)
            .hget(&state, STATE_LAST_MESSAGE_AT);
    }

    /// Queues the reads of a membership; [`read_member`] takes the replies.
    fn queue_member(&self, pipe: &mut Pipeline, room: RoomId, user: UserId) {
        pipe.hget(self.keys.members(room), user.to_string())
            .hget(self.keys.reads(room), user.to_string());
    }
}

/// A pipeline's replies, taken in the order their commands were queued.
type Replies = std::vec::IntoIter<redis::Value>;

/// Sends a pipeline and hands back its replies.
async fn replies(conn: &mut Connection, pipe: &Pipeline) -> Result<Replies, EngineError> {
    let replies: Vec<redis::Value> = timed(pipe.query_async(conn)).await?;
    Ok(replies.into_iter())
}

/// The next reply, as `T`.
fn next_reply<T: FromRedisValue>(replies: &mut Replies) -> Result<T, EngineError> {
    let value = replies
        .next()
        .ok_or_else(|| EngineError::Corrupt(anyhow!("a pipeline answered too few replies")))?;
    redis::from_redis_value(value)
        .map_err(|e| EngineError::Corrupt(anyhow!("unexpected reply from Redis: {e}")))
}

/// Reads what [`RedisEngine::queue_room`] asked for; `None` if the room is gone.
/// Takes all of its replies either way, so the next reader starts at its own.
fn read_room(replies: &mut Replies) -> Result<Option<(Room, RoomStats)>, EngineError> {
    let room: Option<String> = next_reply(replies)?;
    let member_count: u64 = next_reply(replies)?;
    let last_seq: Option<String> = next_reply(replies)?;
    let last_message_at: Option<String> = next_reply(replies)?;
    let Some(room) = room else {
        return Ok(None);
    };
    let stats = RoomStats {
        member_count,
        last_seq: last_seq.as_deref().map(parse_seq).transpose()?.unwrap_or(0),
        last_message_at: last_message_at.as_deref().map(parse_time).transpose()?,
    };
    Ok(Some((from_json(&room)?, stats)))
}

/// Reads what [`RedisEngine::queue_member`] asked for; `None` if not a member.
fn read_member(replies: &mut Replies) -> Result<Option<Member>, EngineError> {
    let membership: Option<String> = next_reply(replies)?;
    let read: Option<String> = next_reply(replies)?;
    let Some(membership) = membership else {
        return Ok(None);
    };
    Ok(Some(Member {
        membership: from_json(&membership)?,
        last_read_seq: read.as_deref().map(parse_seq).transpose()?.unwrap_or(0),
    }))
}

/// The id at the end of an order key (`{nanos}:{id}`, see `domain::page::order_key`).
fn ordered_id<T>(member: &str, parse: fn(&str) -> Option<T>) -> Result<T, EngineError> {
    member
        .rsplit(':')
        .next()
        .and_then(parse)
        .ok_or_else(|| unexpected("an order set", member))
}

/// One page of a lexically ordered set (all scores 0), after `cursor`. Every member
/// is a list's cursor value, so the page's cursor is the member of its last item.
/// Each batch of members is loaded in one atomic pipeline: `queue` adds a member's
/// reads and `read` turns their replies into an item, or `None` for a record gone
/// meanwhile, which is skipped. Like the memory engine, the cursor is set only when
/// another item follows.
async fn lex_page<T>(
    conn: &mut Connection,
    set: &str,
    cursor: Option<&str>,
    limit: usize,
    queue: impl Fn(&mut Pipeline, &str) -> Result<(), EngineError>,
    read: impl Fn(&mut Replies) -> Result<Option<T>, EngineError>,
) -> Result<Page<T>, EngineError> {
    let mut start = cursor.map_or_else(|| "-".to_owned(), |c| format!("({c}"));
    // One more than the page, so a full page knows whether another item follows.
    let batch = limit.saturating_add(1).min(SCAN_BATCH);
    let mut data = Vec::with_capacity(limit.min(SCAN_BATCH));
    let mut last = None;
    loop {
        let members: Vec<String> =
            timed(conn.zrangebylex_limit(set, &start, "+", 0, batch as isize)).await?;
        let Some(final_member) = members.last() else {
            break;
        };
        start = format!("({final_member}");
        let mut pipe = redis::pipe();
        pipe.atomic();
        for member in &members {
            queue(&mut pipe, member)?;
        }
        let mut replies = replies(conn, &pipe).await?;
        for member in &members {
            let Some(item) = read(&mut replies)? else {
                continue;
            };
            if data.len() == limit {
                return Ok(Page {
                    data,
                    next_cursor: last,
                });
            }
            data.push(item);
            last = Some(member.clone());
        }
        if members.len() < batch {
            break;
        }
    }
    Ok(Page {
        data,
        next_cursor: None,
    })
}

/// The seqs a history read returns, in its order. Seqs run 1..=`last` with no gap, so
/// the slice is arithmetic: no index to scan.
fn history_seqs(range: HistoryRange, limit: usize, last: u64) -> Vec<u64> {
    let limit = u64::try_from(limit).unwrap_or(u64::MAX);
    match range {
        HistoryRange::After(after) => {
            let end = last.min(after.saturating_add(limit));
            (after.saturating_add(1)..=end).collect()
        }
        HistoryRange::Before(before) => {
            let top = last.min(before.saturating_sub(1));
            let Some(span) = limit.checked_sub(1) else {
                return Vec::new();
            };
            let bottom = top.saturating_sub(span).max(1);
            (bottom..=top).rev().collect()
        }
    }
}

/// Runs one Redis call with a deadline and sorts its failure.
async fn timed<T>(call: impl Future<Output = RedisResult<T>>) -> Result<T, EngineError> {
    match tokio::time::timeout(COMMAND_TIMEOUT, call).await {
        Ok(result) => result.map_err(classify),
        Err(_) => Err(EngineError::Unavailable(anyhow!(
            "Redis did not answer in time"
        ))),
    }
}

/// Connection trouble and the server's "not now" answers (loading, out of memory
/// under `noeviction`, read-only replica) are outages; anything else is a fault.
fn classify(err: RedisError) -> EngineError {
    let transient_code = matches!(
        err.code(),
        Some("LOADING" | "OOM" | "READONLY" | "MASTERDOWN" | "TRYAGAIN" | "CLUSTERDOWN" | "BUSY")
    );
    if err.is_io_error()
        || err.is_connection_refusal()
        || err.is_connection_dropped()
        || err.is_timeout()
        || transient_code
    {
        EngineError::Unavailable(err.into())
    } else {
        EngineError::Corrupt(err.into())
    }
}

fn unexpected(script: &str, reply: &str) -> EngineError {
    EngineError::Corrupt(anyhow!("{script} answered {reply:?}"))
}

/// Unix milliseconds until which a scoped key's record is kept: it outlives the key's
/// expiry so a late use reads "expired", not "unknown". Empty for master keys, which
/// are kept until revoked.
fn key_purge_ms(record: &KeyRecord) -> String {
    record
        .expires_at
        .map(|at| (at + RECORD_RETENTION).timestamp_millis().to_string())
        .unwrap_or_default()
}

#[async_trait]
impl Store for RedisEngine {
    async fn ping(&self) -> Result<(), EngineError> {
        let mut conn = self.conn().await?;
        let _: String = timed(redis::cmd("PING").query_async(&mut conn)).await?;
        Ok(())
    }

    // --- clients -------------------------------------------------------------

    async fn create_client(
        &self,
        client: &Client,
        master_key: &KeyRecord,
    ) -> Result<(), EngineError> {
        let mut conn = self.conn().await?;
        let mut pipe = redis::pipe();
        pipe.atomic()
            .set(self.keys.client(client.id), to_json(client)?)
            .hset_multiple(
                self.keys.key_record(&master_key.digest),
                &key_fields(master_key),
            )
            .set(self.keys.client_key(client.id), master_key.digest.to_hex());
        timed(pipe.query_async::<()>(&mut conn)).await
    }

    async fn get_client(&self, id: ClientId) -> Result<Option<Client>, EngineError> {
        self.get_json(self.keys.client(id)).await
    }

    async fn update_client(&self, client: &Client) -> Result<(), EngineError> {
        let mut conn = self.conn().await?;
        timed(conn.set(self.keys.client(client.id), to_json(client)?)).await
    }

    // --- keys ----------------------------------------------------------------

    async fn find_key(&self, digest: &KeyDigest) -> Result<Option<KeyRecord>, EngineError> {
        let mut conn = self.conn().await?;
        let fields: HashMap<String, String> =
            timed(conn.hgetall(self.keys.key_record(digest))).await?;
        key_from_fields(fields)
    }

    async fn rotate_key(
        &self,
        new_key: &KeyRecord,
        revoked_at: DateTime<Utc>,
    ) -> Result<Rotation, EngineError> {
        let (owner, pointer) = match new_key.owner {
            KeyOwner::Client(client) => (self.keys.client(client), self.keys.client_key(client)),
            KeyOwner::User { user, .. } => (self.keys.user(user), self.keys.user_key(user)),
        };
        let mut invocation = self.scripts.rotate_key.prepare_invoke();
        invocation
            .key(owner)
            .key(pointer)
            .key(self.keys.key_record(&new_key.digest))
            .arg(&self.revocation_args(revoked_at))
            .arg(new_key.digest.to_hex())
            .arg(key_purge_ms(new_key));
        for (field, value) in key_fields(new_key) {
            invocation.arg(field).arg(value);
        }
        let mut conn = self.conn().await?;
        let reply: String = timed(invocation.invoke_async(&mut conn)).await?;
        match reply.as_str() {
            "OK" => Ok(Rotation::Rotated),
            "GONE" => Ok(Rotation::OwnerGone),
            "DISABLED" => Ok(Rotation::OwnerDisabled),
            other => Err(unexpected("rotate_key", other)),
        }
    }

    async fn revoke_user_key(
        &self,
        user: UserId,
        only: Option<&KeyDigest>,
        revoked_at: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        let mut conn = self.conn().await?;
        let revoked: i64 = timed(
            self.scripts
                .revoke_user_key
                .key(self.keys.user_key(user))
                .arg(&self.revocation_args(revoked_at))
                .arg(only.map(KeyDigest::to_hex).unwrap_or_default())
                .invoke_async(&mut conn),
        )
        .await?;
        Ok(revoked == 1)
    }

    // --- users ---------------------------------------------------------------

    async fn create_user(&self, user: &User, key: &KeyRecord) -> Result<(), EngineError> {
        let client = user.client_id;
        let mut invocation = self.scripts.create_user.prepare_invoke();
        invocation
            .key(self.keys.email(client, &user.email.key()))
            .key(self.keys.username(client, &user.username.key()))
            .key(self.keys.user(user.id))
            .key(self.keys.user_order(client))
            .key(self.keys.key_record(&key.digest))
            .key(self.keys.user_key(user.id))
            .arg(user.id.to_string())
            .arg(to_json(user)?)
            .arg(user.order_key())
            .arg(key.digest.to_hex())
            .arg(key_purge_ms(key));
        for (field, value) in key_fields(key) {
            invocation.arg(field).arg(value);
        }
        let mut conn = self.conn().await?;
        let reply: String = timed(invocation.invoke_async(&mut conn)).await?;
        match reply.as_str() {
            "OK" => Ok(()),
            "EMAIL_TAKEN" => Err(EngineError::EmailTaken),
            "USERNAME_TAKEN" => Err(EngineError::UsernameTaken),
            other => Err(unexpected("create_user", other)),
        }
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>, EngineError> {
        self.get_json(self.keys.user(id)).await
    }

    async fn find_user_by_email(
        &self,
        client: ClientId,
        email_key: &str,
    ) -> Result<Option<User>, EngineError> {
        let mut conn = self.conn().await?;
        let id: Option<String> = timed(conn.get(self.keys.email(client, email_key))).await?;
        drop(conn);
        match id.as_deref().map(UserId::parse) {
            None => Ok(None),
            Some(Some(id)) => self.get_user(id).await,
            Some(None) => Err(EngineError::Corrupt(anyhow!("bad id in the email index"))),
        }
    }

    async fn list_users(
        &self,
        client: ClientId,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, EngineError> {
        let mut conn = self.conn().await?;
        let queue = |pipe: &mut Pipeline, member: &str| {
            pipe.get(self.keys.user(ordered_id(member, UserId::parse)?));
            Ok(())
        };
        let read = |replies: &mut Replies| {
            let text: Option<String> = next_reply(replies)?;
            let user = text.map(|text| from_json::<User>(&text)).transpose()?;
            Ok(user.filter(|user| filter.matches(user)))
        };
        let order = self.keys.user_order(client);
        lex_page(
            &mut conn,
            &order,
            page.cursor.as_deref(),
            page.limit,
            queue,
            read,
        )
        .await
    }

    async fn update_user(
        &self,
        before: &User,
        after: &User,
        revoked_at: DateTime<Utc>,
    ) -> Result<Update, EngineError> {
        let mut conn = self.conn().await?;
        let reply: String = timed(
            self.scripts
                .update_user
                .key(self.keys.user(before.id))
                .key(self.keys.username(before.client_id, &before.username.key()))
                .key(self.keys.username(after.client_id, &after.username.key()))
                .key(self.keys.user_key(before.id))
                .arg(&self.revocation_args(revoked_at))
                .arg(to_json(before)?)
                .arg(to_json(after)?)
                .arg(after.id.to_string())
                .arg(if after.is_active { "0" } else { "1" })
                .invoke_async(&mut conn),
        )
        .await?;
        match reply.as_str() {
            "OK" => Ok(Update::Applied),
            "STALE" => Ok(Update::Stale),
            "USERNAME_TAKEN" => Err(EngineError::UsernameTaken),
            other => Err(unexpected("update_user", other)),
        }
    }

    async fn delete_user(
        &self,
        user: &User,
        revoked_at: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        let mut conn = self.conn().await?;
        let deleted: i64 = timed(
            self.scripts
                .delete_user
                .key(self.keys.user(user.id))
                .key(self.keys.email(user.client_id, &user.email.key()))
                .key(self.keys.username(user.client_id, &user.username.key()))
                .key(self.keys.user_order(user.client_id))
                .key(self.keys.user_key(user.id))
                .key(self.keys.user_rooms(user.id))
                .arg(&self.revocation_args(revoked_at))
                .arg(user.order_key())
                .arg(user.id.to_string())
                .arg(&self.keys.members_family().args())
                .arg(&self.keys.member_order_family().args())
                .arg(&self.keys.reads_family().args())
                .invoke_async(&mut conn),
        )
        .await?;
        Ok(deleted == 1)
    }

    // --- rooms ---------------------------------------------------------------

    async fn create_room(&self, room: &Room, members: &[Membership]) -> Result<(), EngineError> {
        let mut pipe = redis::pipe();
        pipe.atomic()
            .set(self.keys.room(room.id), to_json(room)?)
            .zadd(self.keys.room_order(room.client_id), room.order_key(), 0);
        for membership in members {
            self.queue_insert_member(&mut pipe, membership)?;
        }
        let mut conn = self.conn().await?;
        timed(pipe.query_async::<()>(&mut conn)).await
    }

    async fn create_direct_room(
        &self,
        room: &Room,
        pair: &[Membership; 2],
    ) -> Result<RoomId, EngineError> {
        let [a, b] = pair;
        let pair_key = self.keys.direct_pair(
            room.client_id,
            a.user_id.min(b.user_id),
            a.user_id.max(b.user_id),
        );
        let mut invocation = self.scripts.create_direct_room.prepare_invoke();
        invocation
            .key(pair_key)
            .key(self.keys.room(room.id))
            .key(self.keys.room_order(room.client_id))
            .key(self.keys.members(room.id))
            .key(self.keys.member_order(room.id))
            .key(self.keys.room_state(room.id))
            .key(self.keys.user_rooms(a.user_id))
            .key(self.keys.user_rooms(b.user_id))
            .arg(room.id.to_string())
            .arg(to_json(room)?)
            .arg(room.order_key())
            .arg(&self.keys.room_family().args());
        for membership in pair {
            invocation
                .arg(membership.user_id.to_string())
                .arg(membership_json(membership)?)
                .arg(membership.order_key());
        }
        let mut conn = self.conn().await?;
        let id: String = timed(invocation.invoke_async(&mut conn)).await?;
        RoomId::parse(&id).ok_or_else(|| unexpected("create_direct_room", &id))
    }

    async fn get_room(&self, id: RoomId) -> Result<Option<(Room, RoomStats)>, EngineError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        self.queue_room(&mut pipe, id);
        let mut conn = self.conn().await?;
        read_room(&mut replies(&mut conn, &pipe).await?)
    }

    async fn list_rooms(
        &self,
        client: ClientId,
        page: &PageRequest,
    ) -> Result<Page<(Room, RoomStats)>, EngineError> {
        let mut conn = self.conn().await?;
        let queue = |pipe: &mut Pipeline, member: &str| {
            self.queue_room(pipe, ordered_id(member, RoomId::parse)?);
            Ok(())
        };
        let order = self.keys.room_order(client);
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

    async fn update_room(&self, room: &Room) -> Result<(), EngineError> {
        let mut conn = self.conn().await?;
        // XX: a room deleted meanwhile stays deleted, as in the memory engine.
        let _: redis::Value = timed(
            redis::cmd("SET")
                .arg(self.keys.room(room.id))
                .arg(to_json(room)?)
                .arg("XX")
                .query_async(&mut conn),
        )
        .await?;
        Ok(())
    }

    async fn delete_room(&self, room: &Room) -> Result<Vec<UserId>, EngineError> {
        let mut conn = self.conn().await?;
        let members: Vec<String> = timed(
            self.scripts
                .delete_room
                .key(self.keys.room(room.id))
                .key(self.keys.members(room.id))
                .key(self.keys.member_order(room.id))
                .key(self.keys.reads(room.id))
                .key(self.keys.messages(room.id))
                .key(self.keys.room_state(room.id))
                .key(self.keys.room_order(room.client_id))
                .arg(room.id.to_string())
                .arg(room.order_key())
                .arg(&self.keys.user_rooms_family().args())
                .arg(&self.keys.message_family().args())
                .invoke_async(&mut conn),
        )
        .await?;
        members
            .iter()
            .map(|id| UserId::parse(id).ok_or_else(|| unexpected("delete_room", id)))
            .collect()
    }

    // --- members -------------------------------------------------------------

    async fn add_member(
        &self,
        membership: &Membership,
        max_members: u32,
    ) -> Result<AddMember, EngineError> {
        let room = membership.room_id;
        let mut conn = self.conn().await?;
        let reply: String = timed(
            self.scripts
                .add_member
                .key(self.keys.room(room))
                .key(self.keys.members(room))
                .key(self.keys.member_order(room))
                .key(self.keys.user_rooms(membership.user_id))
                .key(self.keys.user(membership.user_id))
                .arg(membership.user_id.to_string())
                .arg(membership_json(membership)?)
                .arg(membership.order_key())
                .arg(room.to_string())
                .arg(max_members)
                .invoke_async(&mut conn),
        )
        .await?;
        match reply.as_str() {
            "ADDED" => Ok(AddMember::Added),
            "GONE" => Ok(AddMember::RoomGone),
            "USER_GONE" => Ok(AddMember::UserGone),
            "MEMBER" => Ok(AddMember::AlreadyMember),
            "FULL" => Ok(AddMember::Full),
            other => Err(unexpected("add_member", other)),
        }
    }

    async fn remove_member(&self, room: RoomId, user: UserId) -> Result<bool, EngineError> {
        let mut conn = self.conn().await?;
        let removed: i64 = timed(
            self.scripts
                .remove_member
                .key(self.keys.members(room))
                .key(self.keys.member_order(room))
                .key(self.keys.reads(room))
                .key(self.keys.user_rooms(user))
                .arg(room.to_string())
                .arg(user.to_string())
                .invoke_async(&mut conn),
        )
        .await?;
        Ok(removed == 1)
    }

    async fn get_member(&self, room: RoomId, user: UserId) -> Result<Option<Member>, EngineError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        self.queue_member(&mut pipe, room, user);
        let mut conn = self.conn().await?;
        read_member(&mut replies(&mut conn, &pipe).await?)
    }

    async fn list_members(
        &self,
        room: RoomId,
        page: &PageRequest,
    ) -> Result<Page<Member>, EngineError> {
        let mut conn = self.conn().await?;
        let queue = |pipe: &mut Pipeline, member: &str| {
            self.queue_member(pipe, room, ordered_id(member, UserId::parse)?);
            Ok(())
        };
        let order = self.keys.member_order(room);
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

    async fn list_user_rooms(
        &self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Page<(Room, RoomStats, Member)>, EngineError> {
        let mut conn = self.conn().await?;
        // As in the memory engine, a cursor that is not a room id starts from the top.
        let after = page
            .cursor
            .as_deref()
            .and_then(RoomId::parse)
            .map(|id| id.to_string());
        let queue = |pipe: &mut Pipeline, member: &str| {
            let room = RoomId::parse(member).ok_or_else(|| unexpected("user rooms", member))?;
            self.queue_room(pipe, room);
            self.queue_member(pipe, room, user);
            Ok(())
        };
        let read = |replies: &mut Replies| {
            let room = read_room(replies)?;
            let member = read_member(replies)?;
            Ok(room
                .zip(member)
                .map(|((room, stats), member)| (room, stats, member)))
        };
        let rooms = self.keys.user_rooms(user);
        lex_page(&mut conn, &rooms, after.as_deref(), page.limit, queue, read).await
    }

    async fn mark_read(
        &self,
        room: RoomId,
        user: UserId,
        seq: u64,
    ) -> Result<Option<u64>, EngineError> {
        let mut conn = self.conn().await?;
        let position: Option<String> = timed(
            self.scripts
                .mark_read
                .key(self.keys.members(room))
                .key(self.keys.reads(room))
                .arg(user.to_string())
                .arg(seq.to_string())
                .invoke_async(&mut conn),
        )
        .await?;
        position.as_deref().map(parse_seq).transpose()
    }

    // --- messages ------------------------------------------------------------

    async fn append_message(&self, message: &Message) -> Result<Appended, EngineError> {
        let room = message.room_id;
        let mut invocation = self.scripts.append_message.prepare_invoke();
        invocation
            .key(self.keys.room(room))
            .key(self.keys.room_state(room))
            .key(self.keys.messages(room))
            .key(self.keys.message(message.id))
            .arg(message_json(message)?)
            .arg(message.created_at.to_rfc3339())
            .arg(room.to_string())
            .arg(IDEMPOTENCY_WINDOW.num_milliseconds())
            .arg(self.keys.room_channel(room));
        if let Some(cmid) = &message.client_msg_id {
            invocation.key(self.keys.client_msg_id(room, cmid));
        }
        let mut conn = self.conn().await?;
        let reply: Vec<String> = timed(invocation.invoke_async(&mut conn)).await?;
        match reply.as_slice() {
            [status, seq] if status == "NEW" => Ok(Appended::New(Message {
                seq: parse_seq(seq)?,
                ..message.clone()
            })),
            [status, seq, original] if status == "DUPLICATE" => Ok(Appended::Duplicate(
                message_from_json(original, parse_seq(seq)?)?,
            )),
            [status] if status == "GONE" => Ok(Appended::RoomGone),
            other => Err(unexpected("append_message", &other.join(" "))),
        }
    }

    async fn get_message(&self, id: MessageId) -> Result<Option<Message>, EngineError> {
        let mut conn = self.conn().await?;
        let place: Option<String> = timed(conn.get(self.keys.message(id))).await?;
        let Some(place) = place else {
            return Ok(None);
        };
        let (room, seq) = place
            .rsplit_once(':')
            .and_then(|(room, seq)| Some((RoomId::parse(room)?, seq.parse::<u64>().ok()?)))
            .ok_or_else(|| unexpected("the message index", &place))?;
        // The room may have been deleted since the index was read: then `None`.
        let text: Option<String> = timed(conn.hget(self.keys.messages(room), seq)).await?;
        text.map(|text| message_from_json(&text, seq)).transpose()
    }

    async fn list_messages(
        &self,
        room: RoomId,
        range: HistoryRange,
        limit: usize,
    ) -> Result<Vec<Message>, EngineError> {
        let mut conn = self.conn().await?;
        let last: Option<String> = timed(conn.hget(self.keys.room_state(room), STATE_SEQ)).await?;
        let last = last.as_deref().map(parse_seq).transpose()?.unwrap_or(0);
        let seqs = history_seqs(range, limit, last);
        let key = self.keys.messages(room);
        let mut messages = Vec::with_capacity(seqs.len());
        for batch in seqs.chunks(SCAN_BATCH) {
            let texts: Vec<Option<String>> = timed(conn.hmget(&key, batch)).await?;
            for (seq, text) in batch.iter().zip(texts) {
                // Only a room deleted mid-read leaves a hole; skip it as memory would.
                if let Some(text) = text {
                    messages.push(message_from_json(&text, *seq)?);
                }
            }
        }
        Ok(messages)
    }

    async fn update_message(
        &self,
        before: &Message,
        after: &Message,
    ) -> Result<Update, EngineError> {
        let mut conn = self.conn().await?;
        let reply: String = timed(
            self.scripts
                .update_message
                .key(self.keys.messages(before.room_id))
                .arg(before.seq)
                .arg(message_json(before)?)
                .arg(message_json(after)?)
                .invoke_async(&mut conn),
        )
        .await?;
        match reply.as_str() {
            "OK" => Ok(Update::Applied),
            "STALE" => Ok(Update::Stale),
            other => Err(unexpected("update_message", other)),
        }
    }

    // --- security events -----------------------------------------------------

    async fn record_event(&self, event: &SecurityEvent) -> Result<(), EngineError> {
        let horizon = (event.at - RETENTION).timestamp_millis().to_string();
        let mut conn = self.conn().await?;
        let _: String = timed(
            redis::cmd("XADD")
                .arg(self.keys.events(event.client_id))
                .arg("MINID")
                .arg("~")
                .arg(horizon)
                .arg("*")
                .arg(EVENT_FIELD)
                .arg(to_json(event)?)
                .query_async(&mut conn),
        )
        .await?;
        Ok(())
    }

    async fn list_events(
        &self,
        client: ClientId,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Result<Page<SecurityEvent>, EngineError> {
        let mut conn = self.conn().await?;
        let stream = self.keys.events(client);
        let horizon = Utc::now() - RETENTION;
        let mut end = page
            .cursor
            .as_ref()
            .map_or("+".to_owned(), |c| format!("({c}"));
        let mut data = Vec::with_capacity(page.limit);
        let mut last_id = None;
        loop {
            let reply: StreamRangeReply =
                timed(conn.xrevrange_count(&stream, &end, "-", SCAN_BATCH)).await?;
            let Some(oldest) = reply.ids.last() else {
                break;
            };
            end = format!("({}", oldest.id);
            let exhausted = reply.ids.len() < SCAN_BATCH;
            for entry in &reply.ids {
                let text: String = entry
                    .get(EVENT_FIELD)
                    .ok_or_else(|| EngineError::Corrupt(anyhow!("event without body")))?;
                let event: SecurityEvent = from_json(&text)?;
                if event.at < horizon {
                    return Ok(Page {
                        data,
                        next_cursor: None,
                    });
                }
                if !filter.matches(&event) {
                    continue;
                }
                if data.len() == page.limit {
                    return Ok(Page {
                        data,
                        next_cursor: last_id,
                    });
                }
                data.push(event);
                last_id = Some(entry.id.clone());
            }
            if exhausted {
                break;
            }
        }
        Ok(Page {
            data,
            next_cursor: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_seqs_cover_the_same_slice_as_the_memory_engine() {
        assert_eq!(history_seqs(HistoryRange::After(0), 3, 5), [1, 2, 3]);
        assert_eq!(history_seqs(HistoryRange::After(3), 10, 5), [4, 5]);
        assert!(history_seqs(HistoryRange::After(5), 10, 5).is_empty());
        assert!(history_seqs(HistoryRange::After(u64::MAX), 10, 5).is_empty());
        assert_eq!(history_seqs(HistoryRange::Before(5), 2, 5), [4, 3]);
        assert_eq!(history_seqs(HistoryRange::Before(u64::MAX), 2, 5), [5, 4]);
        assert_eq!(history_seqs(HistoryRange::Before(3), 10, 5), [2, 1]);
        assert!(history_seqs(HistoryRange::Before(1), 10, 5).is_empty());
        assert!(history_seqs(HistoryRange::Before(5), 0, 5).is_empty());
        assert!(history_seqs(HistoryRange::After(0), 0, 5).is_empty());
        assert!(history_seqs(HistoryRange::Before(9), 3, 0).is_empty());
    }
}
