//! The Redis back end: state shared by every node. Commands go through a deadpool
//! pool; every command has a deadline, and every connection-level failure becomes
//! [`EngineError::Unavailable`], so an outage is a 503 and the node recovers by itself
//! when Redis returns (the pool drops dead connections on checkout).

mod keys;
mod records;
mod scripts;

use std::{collections::HashMap, future::Future, time::Duration};

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_redis::{Config, Connection, Pool, PoolConfig, Runtime, Timeouts};
use redis::{streams::StreamRangeReply, AsyncCommands, RedisError, RedisResult};

use self::{keys::Keys, records::*, scripts::Scripts};
use super::{AddMember, EngineError, Rotation, Store, Update};
use crate::domain::{
    client::Client,
    ids::{ClientId, MessageId, RoomId, UserId},
    keys::{KeyDigest, KeyOwner, KeyRecord, RECORD_RETENTION},
    message::{Appended, HistoryRange, Message},
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

pub struct RedisEngine {
    pool: Pool,
    keys: Keys,
    scripts: Scripts,
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
        Ok(Self {
            pool,
            keys: Keys::new(prefix),
            scripts: Scripts::load(),
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
        let order = self.keys.user_order(client);
        let mut start = page
            .cursor
            .as_ref()
            .map_or("-".to_owned(), |c| format!("({c}"));
        let mut data = Vec::with_capacity(page.limit);
        loop {
            let members: Vec<String> =
                timed(conn.zrangebylex_limit(&order, &start, "+", 0, SCAN_BATCH as isize)).await?;
            let Some(last) = members.last() else { break };
            start = format!("({last}");
            let ids = members
                .iter()
                .filter_map(|m| m.rsplit(':').next().and_then(UserId::parse));
            let user_keys: Vec<String> = ids.map(|id| self.keys.user(id)).collect();
            let texts: Vec<Option<String>> = timed(conn.mget(&user_keys)).await?;
            for text in texts.into_iter().flatten() {
                let user: User = from_json(&text)?;
                if !filter.matches(&user) {
                    continue;
                }
                if data.len() == page.limit {
                    let next_cursor = data.last().map(User::order_key);
                    return Ok(Page { data, next_cursor });
                }
                data.push(user);
            }
            if members.len() < SCAN_BATCH {
                break;
            }
        }
        Ok(Page {
            data,
            next_cursor: None,
        })
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
                .arg(&self.revocation_args(revoked_at))
                .arg(user.order_key())
                .invoke_async(&mut conn),
        )
        .await?;
        Ok(deleted == 1)
    }

    // --- rooms ---------------------------------------------------------------

    async fn create_room(&self, _room: &Room, _members: &[Membership]) -> Result<(), EngineError> {
        todo!("redis rooms")
    }

    async fn create_direct_room(
        &self,
        _room: &Room,
        _pair: &[Membership; 2],
    ) -> Result<RoomId, EngineError> {
        todo!("redis rooms")
    }

    async fn get_room(&self, _id: RoomId) -> Result<Option<(Room, RoomStats)>, EngineError> {
        todo!("redis rooms")
    }

    async fn list_rooms(
        &self,
        _client: ClientId,
        _page: &PageRequest,
    ) -> Result<Page<(Room, RoomStats)>, EngineError> {
        todo!("redis rooms")
    }

    async fn update_room(&self, _room: &Room) -> Result<(), EngineError> {
        todo!("redis rooms")
    }

    async fn delete_room(&self, _room: &Room) -> Result<Vec<UserId>, EngineError> {
        todo!("redis rooms")
    }

    // --- members -------------------------------------------------------------

    async fn add_member(
        &self,
        _membership: &Membership,
        _max_members: u32,
    ) -> Result<AddMember, EngineError> {
        todo!("redis rooms")
    }

    async fn remove_member(&self, _room: RoomId, _user: UserId) -> Result<bool, EngineError> {
        todo!("redis rooms")
    }

    async fn get_member(
        &self,
        _room: RoomId,
        _user: UserId,
    ) -> Result<Option<Member>, EngineError> {
        todo!("redis rooms")
    }

    async fn list_members(
        &self,
        _room: RoomId,
        _page: &PageRequest,
    ) -> Result<Page<Member>, EngineError> {
        todo!("redis rooms")
    }

    async fn list_user_rooms(
        &self,
        _user: UserId,
        _page: &PageRequest,
    ) -> Result<Page<(Room, RoomStats, Member)>, EngineError> {
        todo!("redis rooms")
    }

    async fn mark_read(
        &self,
        _room: RoomId,
        _user: UserId,
        _seq: u64,
    ) -> Result<Option<u64>, EngineError> {
        todo!("redis rooms")
    }

    // --- messages ------------------------------------------------------------

    async fn append_message(&self, _message: &Message) -> Result<Appended, EngineError> {
        todo!("redis rooms")
    }

    async fn get_message(&self, _id: MessageId) -> Result<Option<Message>, EngineError> {
        todo!("redis rooms")
    }

    async fn list_messages(
        &self,
        _room: RoomId,
        _range: HistoryRange,
        _limit: usize,
    ) -> Result<Vec<Message>, EngineError> {
        todo!("redis rooms")
    }

    async fn update_message(
        &self,
        _before: &Message,
        _after: &Message,
    ) -> Result<Update, EngineError> {
        todo!("redis rooms")
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
