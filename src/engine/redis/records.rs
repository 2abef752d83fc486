//! How records are laid out in Redis: JSON strings for clients, users, events, rooms,
//! memberships and messages, and a hash per key record so a revocation can set one
//! field inside a script.
//!
//! Scripts never rebuild user JSON: `cjson` would round large numbers in `metadata`
//! through doubles. They store the strings Rust hands them, compare them byte for
//! byte, and decode only to read an id or key the record itself wrote.

use std::collections::HashMap;

use anyhow::{anyhow, Context};
use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Serialize};

use crate::{
    domain::{
        ids::{ClientId, UserId},
        keys::{KeyDigest, KeyOwner, KeyRecord},
        message::Message,
        room::Membership,
    },
    engine::{rules::paging::member_cursor, EngineError},
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

/// A membership as stored in `room:{id}:members`: the membership's own fields plus its
/// `order_key`, so a script removing a member can find its `member_order` entry (the
/// key holds the join time to the nanosecond, which Lua cannot compute exactly).
/// Reading it back as a plain [`Membership`] ignores the extra field.
#[derive(Serialize)]
struct MembershipRecord<'a> {
    order_key: String,
    #[serde(flatten)]
    membership: &'a Membership,
}

pub fn membership_json(membership: &Membership) -> Result<String, EngineError> {
    to_json(&MembershipRecord {
        order_key: member_cursor(membership),
        membership,
    })
}

/// A message's JSON as stored: with `seq` 0, because the script assigns the number
/// after Rust has serialized it. The hash field is the true `seq`
/// (see [`message_from_json`]); writing 0 keeps the stored text a pure function of
/// the message, so compare-and-set can compare texts.
pub fn message_json(message: &Message) -> Result<String, EngineError> {
    to_json(&Message {
        seq: 0,
        ..message.clone()
    })
}

/// Reads a stored message back, taking its `seq` from the hash field it was under.
pub fn message_from_json(text: &str, seq: u64) -> Result<Message, EngineError> {
    let mut message: Message = from_json(text)?;
    message.seq = seq;
    Ok(message)
}

/// Parses a `seq` (or read position) the store wrote as decimal text.
pub fn parse_seq(text: &str) -> Result<u64, EngineError> {
    text.parse()
        .map_err(|_| EngineError::Corrupt(anyhow!("bad seq {text:?}")))
}

/// Parses a time the store wrote with `to_rfc3339`.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, EngineError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| EngineError::Corrupt(anyhow!("bad time {text:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        ids::{MessageId, RoomId},
        room::Role,
    };

    fn message() -> Message {
        Message {
            id: MessageId::random(),
            room_id: RoomId::random(),
            seq: 7,
            sender_id: None,
            content: "hi".into(),
            message_type: Default::default(),
            metadata: Default::default(),
            reply_to: None,
            reactions: Default::default(),
            client_msg_id: None,
            created_at: Utc::now(),
            edited_at: None,
            deleted_at: None,
        }
    }

    /// `delete_room.lua` reads a message's id with an anchored pattern before falling
    /// back to `cjson`; this keeps the fast path true.
    #[test]
    fn message_json_starts_with_the_id() {
        let message = message();
        let text = message_json(&message).unwrap();
        assert!(
            text.starts_with(&format!("{{\"id\":\"{}\"", message.id)),
            "{text}"
        );
    }

    #[test]
    fn message_json_round_trips_with_the_seq_from_the_field() {
        let message = message();
        let text = message_json(&message).unwrap();
        assert_eq!(message_from_json(&text, 7).unwrap(), message);
    }

    #[test]
    fn membership_json_carries_its_order_key_and_reads_back() {
        let membership = Membership {
            room_id: RoomId::random(),
            user_id: UserId::random(),
            role: Role::Member,
            joined_at: Utc::now(),
        };
        let text = membership_json(&membership).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["order_key"], membership.order_key());
        assert_eq!(from_json::<Membership>(&text).unwrap(), membership);
    }
}
