//! Clients and keys. A key record is a hash (so a revoking script can set one field);
//! a revoked one stays as a tombstone that expires after `RECORD_RETENTION`, so a late
//! use of the key is told "revoked" rather than "unknown".
//!
//! The record lives in its owner's shard, so the scripts that rotate and revoke keys
//! change it together with the owner. A key is presented alone, so an untagged locator
//! names that shard: it is written before the record and never changes, and it expires
//! no sooner than the record. Finding a key that is not cached costs two reads.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use redis::{AsyncCommands, ScriptInvocation};

use super::{
    classify, messages::is_noscript, records::*, timed, unexpected, RedisEngine, EVENT_FIELD,
    SCAN_BATCH,
};
use crate::{
    domain::{
        client::Client,
        ids::{ClientId, Shard, UserId},
        keys::{KeyDigest, KeyKind, KeyOwner, KeyRecord},
        webhook::OutboxEntry,
    },
    engine::{
        rules::retention::{event_horizon, expired_record_until, tombstone_until},
        EngineError, Rotation, RotationRecord,
    },
};

impl RedisEngine {
    /// The revocation arguments every revoking script takes first (see revoke.lua), for
    /// the keys of one shard.
    pub(super) fn revocation_args(&self, shard: Shard, revoked_at: DateTime<Utc>) -> [String; 3] {
        [
            self.keys.key_record_prefix(shard),
            revoked_at.to_rfc3339(),
            tombstone_until(revoked_at).timestamp_millis().to_string(),
        ]
    }
}

/// Unix milliseconds until which a scoped key's record is kept: it outlives the key's
/// expiry so a late use reads "expired", not "unknown". Empty for master keys, which
/// are kept until revoked.
pub(super) fn key_purge_ms(record: &KeyRecord) -> String {
    record
        .expires_at
        .map(|at| expired_record_until(at).timestamp_millis().to_string())
        .unwrap_or_default()
}

/// A new key's locator: a scoped key's expires with the longest its record can live
/// (a revocation only shortens that); a master key's is given its end when the key is
/// rotated out ([`retire_master_locator`]).
fn locator(engine: &RedisEngine, record: &KeyRecord) -> redis::Cmd {
    let mut set = redis::cmd("SET");
    set.arg(engine.keys.key_locator(&record.digest))
        .arg(record.owner.client().shard().to_string());
    if let Some(at) = record.expires_at {
        set.arg("PXAT")
            .arg(expired_record_until(at).timestamp_millis());
    }
    set
}

/// Runs a script that writes a new key's record, in one pipeline behind the key's
/// locator, so a record is never unfindable. If the script then writes no record (its
/// owner is gone), the locator names a shard with no such record: the key is unknown,
/// as it should be. A script Redis lacks (after a restart) is loaded and run again.
pub(super) async fn run_locating<T: redis::FromRedisValue>(
    engine: &RedisEngine,
    name: &'static str,
    record: &KeyRecord,
    invocation: &ScriptInvocation<'_>,
) -> Result<T, EngineError> {
    let mut conn = engine.conn().await?;
    let mut pipe = redis::pipe();
    pipe.ignore_errors()
        .add_command(locator(engine, record))
        .invoke_script(invocation);
    let (located, reply): (redis::RedisResult<()>, redis::RedisResult<T>) =
        timed(name, pipe.query_async(&mut conn)).await?;
    // Without its locator the new record cannot be found: answer as for a failed write.
    located.map_err(classify)?;
    match reply {
        Err(err) if is_noscript(&err) => timed(name, invocation.invoke_async(&mut conn)).await,
        other => other.map_err(classify),
    }
}

/// The shards of the records of `digests`, `None` where no locator is left.
async fn shards_of(
    engine: &RedisEngine,
    digests: &[KeyDigest],
) -> Result<Vec<Option<Shard>>, EngineError> {
    let mut conn = engine.conn().await?;
    let mut pipe = redis::pipe();
    for digest in digests {
        pipe.get(engine.keys.key_locator(digest));
    }
    let shards: Vec<Option<String>> = timed("find_keys", pipe.query_async(&mut conn)).await?;
    shards
        .into_iter()
        .map(|shard| match shard {
            None => Ok(None),
            Some(text) => Shard::parse(&text)
                .map(Some)
                .ok_or_else(|| unexpected("find_keys", "bad key locator")),
        })
        .collect()
}

/// The stored fields of each key record, one round trip for all (none for none).
async fn records_at(
    engine: &RedisEngine,
    located: &[(Shard, &KeyDigest)],
) -> Result<Vec<HashMap<String, String>>, EngineError> {
    if located.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    for (shard, digest) in located {
        pipe.hgetall(engine.keys.key_record(*shard, digest));
    }
    let mut conn = engine.conn().await?;
    timed("find_keys", pipe.query_async(&mut conn)).await
}

pub(super) async fn create_client(
    engine: &RedisEngine,
    client: &Client,
    master_key: &KeyRecord,
) -> Result<(), EngineError> {
    let mut conn = engine.conn().await?;
    timed(
        "create_client",
        locator(engine, master_key).query_async::<()>(&mut conn),
    )
    .await?;
    let mut pipe = redis::pipe();
    pipe.atomic()
        .set(engine.keys.client(client.id), to_json(client)?)
        .hset_multiple(
            engine
                .keys
                .key_record(client.id.shard(), &master_key.digest),
            &key_fields(master_key),
        )
        .set(
            engine.keys.client_key(client.id),
            master_key.digest.to_hex(),
        );
    timed("create_client", pipe.query_async::<()>(&mut conn)).await
}

pub(super) async fn get_client(
    engine: &RedisEngine,
    id: ClientId,
) -> Result<Option<Client>, EngineError> {
    engine.get_json(engine.keys.client(id)).await
}

pub(super) async fn update_client(
    engine: &RedisEngine,
    client: &Client,
) -> Result<(), EngineError> {
    let mut conn = engine.conn().await?;
    timed(
        "update_client",
        conn.set(engine.keys.client(client.id), to_json(client)?),
    )
    .await
}

pub(super) async fn find_key(
    engine: &RedisEngine,
    digest: &KeyDigest,
) -> Result<Option<KeyRecord>, EngineError> {
    let mut found = find_keys(engine, std::slice::from_ref(digest)).await?;
    Ok(found.pop().flatten())
}

pub(super) async fn find_keys(
    engine: &RedisEngine,
    digests: &[KeyDigest],
) -> Result<Vec<Option<KeyRecord>>, EngineError> {
    let mut records = Vec::with_capacity(digests.len());
    for batch in digests.chunks(SCAN_BATCH) {
        let shards = shards_of(engine, batch).await?;
        let located: Vec<(Shard, &KeyDigest)> = shards
            .iter()
            .zip(batch)
            .filter_map(|(shard, digest)| shard.map(|shard| (shard, digest)))
            .collect();
        let mut replies = records_at(engine, &located).await?.into_iter();
        for shard in shards {
            let fields = match shard {
                Some(_) => replies.next().unwrap_or_default(),
                None => HashMap::new(),
            };
            records.push(key_from_fields(fields)?);
        }
    }
    Ok(records)
}

pub(super) async fn rotate_key(
    engine: &RedisEngine,
    new_key: &KeyRecord,
    revoked_at: DateTime<Utc>,
    record: RotationRecord<'_>,
) -> Result<Rotation, EngineError> {
    let client = record.event.client_id;
    let (webhook_event, webhook_entry) = match record.webhook {
        Some((event, body)) => (event, OutboxEntry::Event(body.to_owned()).encode()),
        None => ("", String::new()),
    };
    let (owner, pointer) = match new_key.owner {
        KeyOwner::Client(client) => (engine.keys.client(client), engine.keys.client_key(client)),
        KeyOwner::User { user, .. } => (engine.keys.user(user), engine.keys.user_key(user)),
    };
    let shard = client.shard();
    let mut invocation = engine.scripts.rotate_key.prepare_invoke();
    invocation
        .key(owner)
        .key(pointer)
        .key(engine.keys.key_record(shard, &new_key.digest))
        .key(engine.keys.events(client))
        .key(engine.keys.client_webhooks(client))
        .key(engine.keys.pending_webhooks(shard))
        .arg(&engine.revocation_args(shard, revoked_at))
        .arg(new_key.digest.to_hex())
        .arg(key_purge_ms(new_key))
        .arg(event_horizon(record.event.at).timestamp_millis())
        .arg(EVENT_FIELD)
        .arg(to_json(record.event)?)
        .arg(&engine.keys.outbox_family(shard).args())
        .arg(webhook_event)
        .arg(webhook_entry)
        .arg(engine.keys.control_channel())
        .arg(record.notice);
    for (field, value) in key_fields(new_key) {
        invocation.arg(field).arg(value);
    }
    let reply: Vec<String> = run_locating(engine, "rotate_key", new_key, &invocation).await?;
    if record.webhook.is_some() {
        engine.pending.queued([shard]);
    }
    match reply.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["OK", revoked] => {
            if new_key.owner.kind() == KeyKind::Master {
                retire_master_locator(engine, revoked, revoked_at).await?;
            }
            Ok(Rotation::Rotated)
        }
        ["GONE"] => Ok(Rotation::OwnerGone),
        ["DISABLED"] => Ok(Rotation::OwnerDisabled),
        _ => Err(unexpected("rotate_key", &reply.join(" "))),
    }
}

/// Gives a rotated-out master key's locator the end of its tombstone (`revoked` is its
/// digest in hex, or empty if there was no live key). Were this lost, one small string
/// would stay behind; the key is revoked either way.
async fn retire_master_locator(
    engine: &RedisEngine,
    revoked: &str,
    revoked_at: DateTime<Utc>,
) -> Result<(), EngineError> {
    let Some(digest) = KeyDigest::from_hex(revoked) else {
        return Ok(());
    };
    let mut conn = engine.conn().await?;
    let until = tombstone_until(revoked_at).timestamp_millis();
    timed(
        "rotate_key",
        conn.pexpire_at::<_, ()>(engine.keys.key_locator(&digest), until),
    )
    .await
}

pub(super) async fn revoke_user_key(
    engine: &RedisEngine,
    user: UserId,
    only: Option<&KeyDigest>,
    revoked_at: DateTime<Utc>,
) -> Result<bool, EngineError> {
    let mut conn = engine.conn().await?;
    let revoked: i64 = timed(
        "revoke_user_key",
        engine
            .scripts
            .revoke_user_key
            .key(engine.keys.user_key(user))
            .arg(&engine.revocation_args(user.shard(), revoked_at))
            .arg(only.map(KeyDigest::to_hex).unwrap_or_default())
            .invoke_async(&mut conn),
    )
    .await?;
    Ok(revoked == 1)
}
