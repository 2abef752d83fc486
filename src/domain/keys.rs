//! API keys as the domain sees them: the two kinds, the shape a presented key must
//! have, its SHA-256 digest (the only form we store) and the stored record.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::ids::{ClientId, UserId};

/// Random characters after the prefix: 40 base62 characters carry ~238 bits.
pub const KEY_SECRET_LEN: usize = 40;
/// How many secret characters may be shown (security events): enough to tell keys
/// apart in an audit, far too few to guess the rest.
const SHOWN_SECRET_CHARS: usize = 4;

/// How long a key's record outlives its revocation or expiry, so that a late use of
/// the key is answered "revoked" or "expired" and recorded against its tenant.
pub const RECORD_RETENTION: Duration = Duration::days(7);

/// The two kinds of key, told apart by their prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// `ck_live_…`: one per client application, full access to its tenant.
    Master,
    /// `sk_user_…`: one live key per user, that user's own actions only.
    User,
}

impl KeyKind {
    pub fn prefix(self) -> &'static str {
        match self {
            KeyKind::Master => "ck_live_",
            KeyKind::User => "sk_user_",
        }
    }
}

/// A key as a caller presented it, with a well-formed shape. `Debug` never prints it.
pub struct PresentedKey<'a> {
    kind: KeyKind,
    text: &'a str,
}

impl<'a> PresentedKey<'a> {
    /// `Some` when `text` is a known prefix followed by exactly 40 base62 characters.
    pub fn parse(text: &'a str) -> Option<Self> {
        [KeyKind::Master, KeyKind::User]
            .into_iter()
            .find_map(|kind| {
                let secret = text.strip_prefix(kind.prefix())?;
                let well_formed = secret.len() == KEY_SECRET_LEN
                    && secret.bytes().all(|b| b.is_ascii_alphanumeric());
                well_formed.then_some(Self { kind, text })
            })
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    pub fn digest(&self) -> KeyDigest {
        KeyDigest::of(self.text)
    }

    /// Prefix plus the first few characters, e.g. `sk_user_AbCd`: safe to record.
    pub fn shown(&self) -> String {
        let end = self.kind.prefix().len() + SHOWN_SECRET_CHARS;
        self.text
            .get(..end)
            .unwrap_or(self.kind.prefix())
            .to_owned()
    }
}

impl fmt::Debug for PresentedKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PresentedKey({:?}, [redacted])", self.kind)
    }
}

/// SHA-256 of a whole key (prefix included). Lookups go by digest; comparisons of
/// digests are constant-time.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyDigest([u8; 32]);

impl KeyDigest {
    pub fn of(key: &str) -> Self {
        Self(Sha256::digest(key.as_bytes()).into())
    }

    /// Constant-time equality, so timing says nothing about how much matched.
    pub fn ct_eq(&self, other: &KeyDigest) -> bool {
        self.0.ct_eq(&other.0).into()
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(text: &str) -> Option<Self> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(Self(bytes))
    }
}

impl fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.to_hex();
        write!(f, "KeyDigest({}…)", hex.get(..8).unwrap_or_default())
    }
}

/// Whose key it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOwner {
    Client(ClientId),
    User { client: ClientId, user: UserId },
}

impl KeyOwner {
    pub fn client(&self) -> ClientId {
        match *self {
            KeyOwner::Client(client) | KeyOwner::User { client, .. } => client,
        }
    }

    pub fn user(&self) -> Option<UserId> {
        match *self {
            KeyOwner::Client(_) => None,
            KeyOwner::User { user, .. } => Some(user),
        }
    }

    pub fn kind(&self) -> KeyKind {
        match self {
            KeyOwner::Client(_) => KeyKind::Master,
            KeyOwner::User { .. } => KeyKind::User,
        }
    }
}

/// What the store keeps per key. A revoked key keeps its record (a tombstone) for a
/// while, so that its later use is attributed to its tenant in the security events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub digest: KeyDigest,
    pub owner: KeyOwner,
    pub issued_at: DateTime<Utc>,
    /// `None` for master keys, which live until rotated.
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl KeyRecord {
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// Neither revoked nor expired: it still opens doors.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && !self.is_expired(now)
    }
}

/// Whether the record found for a key (if any) is live.
pub fn is_live(record: Option<&KeyRecord>, now: DateTime<Utc>) -> bool {
    record.is_some_and(|record| record.is_live(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd";

    #[test]
    fn parse_accepts_only_well_formed_keys() {
        let master = format!("ck_live_{SECRET}");
        let user = format!("sk_user_{SECRET}");
        assert_eq!(
            PresentedKey::parse(&master).unwrap().kind(),
            KeyKind::Master
        );
        assert_eq!(PresentedKey::parse(&user).unwrap().kind(), KeyKind::User);
        for bad in [
            SECRET.to_owned(),
            format!("sk_user_{}", &SECRET[1..]),
            format!("sk_user_{SECRET}x"),
            format!("sk_user_{}-", &SECRET[1..]),
            format!("sk_test_{SECRET}"),
        ] {
            assert!(PresentedKey::parse(&bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn shown_reveals_only_the_prefix_and_four_characters() {
        let user = format!("sk_user_{SECRET}");
        assert_eq!(PresentedKey::parse(&user).unwrap().shown(), "sk_user_AbCd");
        assert!(!format!("{:?}", PresentedKey::parse(&user).unwrap()).contains("AbCd"));
    }

    #[test]
    fn digest_round_trips_through_hex_and_compares() {
        let a = KeyDigest::of("sk_user_a");
        let b = KeyDigest::of("sk_user_b");
        assert_eq!(KeyDigest::from_hex(&a.to_hex()), Some(a));
        assert!(a.ct_eq(&a) && !a.ct_eq(&b));
        assert_eq!(
            KeyDigest::of("abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(KeyDigest::from_hex("zz").is_none());
    }
}
