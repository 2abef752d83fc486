//! Clients and keys. A key record is a hash (so a revoking script can set one field);
//! a revoked one stays as a tombstone that expires after `RECORD_RETENTION`, so a late
//! use of the key is told "revoked" rather than "unknown".

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use redis::AsyncCommands;

use super::{records::*, timed, unexpected, RedisEngine, EVENT_FIELD, SCAN_BATCH};
use crate::{
    domain::{
        client::Client,
        ids::{ClientId, UserId},
        keys::{KeyDigest, KeyOwner, KeyRecord},
        webhook::OutboxEntry,
    },
    engine::{
        rules::retention::{event_horizon, expired_record_until, tombstone_until},
        EngineError, Rotation, RotationRecord,
    },
};

impl RedisEngine {
    /// The revocation arguments every revoking script takes first (see revoke.lua).
    pub(super) fn revocation_args(&self, revoked_at: DateTime<Utc>) -> [String; 3] {
        [
            self.keys.key_record_prefix(),
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

pub(super) async fn create_client(
    engine: &RedisEngine,
    client: &Client,
    master_key: &KeyRecord,
) -> Result<(), EngineError> {
    let mut conn = engine.conn().await?;
    let mut pipe = redis::pipe();
    pipe.atomic()
        .set(engine.keys.client(client.id), to_json(client)?)
        .hset_multiple(
            engine.keys.key_record(&master_key.digest),
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
    let mut conn = engine.conn().await?;
    let fields: HashMap<String, String> =
        timed("find_key", conn.hgetall(engine.keys.key_record(digest))).await?;
    key_from_fields(fields)
}

pub(super) async fn find_keys(
    engine: &RedisEngine,
    digests: &[KeyDigest],
) -> Result<Vec<Option<KeyRecord>>, EngineError> {
    let mut records = Vec::with_capacity(digests.len());
    let mut conn = engine.conn().await?;
    for batch in digests.chunks(SCAN_BATCH) {
        let mut pipe = redis::pipe();
        for digest in batch {
            pipe.hgetall(engine.keys.key_record(digest));
        }
        let replies: Vec<HashMap<String, String>> =
            timed("find_keys", pipe.query_async(&mut conn)).await?;
        for fields in replies {
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
    let mut invocation = engine.scripts.rotate_key.prepare_invoke();
    invocation
        .key(owner)
        .key(pointer)
        .key(engine.keys.key_record(&new_key.digest))
        .key(engine.keys.events(client))
        .key(engine.keys.client_webhooks(client))
        .key(engine.keys.pending_webhooks())
        .arg(&engine.revocation_args(revoked_at))
        .arg(new_key.digest.to_hex())
        .arg(key_purge_ms(new_key))
        .arg(event_horizon(record.event.at).timestamp_millis())
        .arg(EVENT_FIELD)
        .arg(to_json(record.event)?)
        .arg(&engine.keys.outbox_family().args())
        .arg(webhook_event)
        .arg(webhook_entry);
    for (field, value) in key_fields(new_key) {
        invocation.arg(field).arg(value);
    }
    let mut conn = engine.conn().await?;
    let reply: String = timed("rotate_key", invocation.invoke_async(&mut conn)).await?;
    match reply.as_str() {
        "OK" => Ok(Rotation::Rotated),
        "GONE" => Ok(Rotation::OwnerGone),
        "DISABLED" => Ok(Rotation::OwnerDisabled),
        other => Err(unexpected("rotate_key", other)),
    }
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
            .arg(&engine.revocation_args(revoked_at))
            .arg(only.map(KeyDigest::to_hex).unwrap_or_default())
            .invoke_async(&mut conn),
    )
    .await?;
    Ok(revoked == 1)
}
