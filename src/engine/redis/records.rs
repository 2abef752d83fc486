//! How records are laid out in Redis: JSON strings for clients, users and events,
//! and a hash per key record so a revocation can set one field inside a script.

use std::collections::HashMap;

use anyhow::{anyhow, Context};
use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Serialize};

use crate::{
    domain::{
        ids::{ClientId, UserId},
        keys::{KeyDigest, KeyOwner, KeyRecord},
    },
    engine::EngineError,
};

pub fn to_json(value: &impl Serialize) -> Result<String, EngineError> {
    serde_json::to_string(value).map_err(|e| EngineError::Corrupt(e.into()))
}

pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, EngineError> {
    serde_json::from_str(text).map_err(|e| EngineError::Corrupt(e.into()))
}

/// The field/value pairs of a key record's hash.
pub fn key_fields(record: &KeyRecord) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("digest", record.digest.to_hex()),
        ("client", record.owner.client().to_string()),
        ("issued_at", record.issued_at.to_rfc3339()),
    ];
    if let Some(user) = record.owner.user() {
        fields.push(("user", user.to_string()));
    }
    if let Some(at) = record.expires_at {
        fields.push(("expires_at", at.to_rfc3339()));
    }
    if let Some(at) = record.revoked_at {
        fields.push(("revoked_at", at.to_rfc3339()));
    }
    fields
}

/// Reads a key record back from its hash; an empty hash means no such key.
pub fn key_from_fields(
    mut fields: HashMap<String, String>,
) -> Result<Option<KeyRecord>, EngineError> {
    if fields.is_empty() {
        return Ok(None);
    }
    let mut take = |name: &str| fields.remove(name);
    let mut parse = || -> anyhow::Result<KeyRecord> {
        let time = |text: Option<String>| -> anyhow::Result<Option<DateTime<Utc>>> {
            text.map(|t| DateTime::parse_from_rfc3339(&t).map(|at| at.with_timezone(&Utc)))
                .transpose()
                .context("bad time")
        };
        let digest = take("digest")
            .as_deref()
            .and_then(KeyDigest::from_hex)
            .ok_or_else(|| anyhow!("bad digest"))?;
        let client = take("client")
            .as_deref()
            .and_then(ClientId::parse)
            .ok_or_else(|| anyhow!("bad client"))?;
        let owner = match take("user") {
            None => KeyOwner::Client(client),
            Some(user) => KeyOwner::User {
                client,
                user: UserId::parse(&user).ok_or_else(|| anyhow!("bad user"))?,
            },
        };
        Ok(KeyRecord {
            digest,
            owner,
            issued_at: time(take("issued_at"))?.ok_or_else(|| anyhow!("no issued_at"))?,
            expires_at: time(take("expires_at"))?,
            revoked_at: time(take("revoked_at"))?,
        })
    };
    parse().map(Some).map_err(EngineError::Corrupt)
}
