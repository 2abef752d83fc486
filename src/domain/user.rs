//! Users and the rules for their fields (`API.md` §4).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    ids::{ClientId, UserId},
    page::order_key,
    validation::chars_within,
};

pub const MAX_EMAIL_LEN: usize = 254;
pub const MAX_FULL_NAME_CHARS: usize = 100;
/// `metadata` is a JSON object of at most 4 KiB once serialized.
pub const MAX_METADATA_BYTES: usize = 4096;

/// An email address as given (trimmed); uniqueness and login compare [`Email::key`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// A pragmatic check (RFC 5321 is far looser in theory than mail is in practice):
    /// one `@`, a non-empty local part, a dotted domain, no spaces or control chars.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let invalid = || "must be a valid email".to_owned();
        if text.len() > MAX_EMAIL_LEN {
            return Err(format!("must be at most {MAX_EMAIL_LEN} characters"));
        }
        let (local, domain) = text.split_once('@').ok_or_else(invalid)?;
        let clean = |part: &str| {
            !part.is_empty()
                && !part
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '@')
        };
        let domain_ok = clean(domain)
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty());
        if clean(local) && domain_ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case-insensitive identity: emails are unique per client without regard to case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// `[A-Za-z0-9_.-]{3,32}`, unique per client without regard to case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn parse(text: &str) -> Result<Self, String> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
        if (3..=32).contains(&text.len()) && text.chars().all(allowed) {
            Ok(Self(text.to_owned()))
        } else {
            Err("must be 3 to 32 characters of A-Z, a-z, 0-9, _ . -".to_owned())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// Parses a display name: at most 100 characters.
pub fn parse_full_name(text: String) -> Result<String, String> {
    chars_within(&text, 0, MAX_FULL_NAME_CHARS).map(|()| text)
}

/// Free-form JSON object attached to a user (or, later, a room or message).
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// Accepts a JSON object of at most 4 KiB.
pub fn parse_metadata(value: serde_json::Value) -> Result<Metadata, String> {
    let serde_json::Value::Object(map) = value else {
        return Err("must be a JSON object".to_owned());
    };
    let size = serde_json::to_vec(&map).map_or(usize::MAX, |bytes| bytes.len());
    if size > MAX_METADATA_BYTES {
        return Err(format!("must be at most {MAX_METADATA_BYTES} bytes"));
    }
    Ok(map)
}

/// A user as stored. Never carries a key: keys live in their own records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub client_id: ClientId,
    pub email: Email,
    pub username: Username,
    pub full_name: Option<String>,
    pub metadata: Metadata,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// Orders a client's users by creation; also the list cursor.
    pub fn order_key(&self) -> String {
        order_key(self.created_at, self.id)
    }
}

/// Which users a listing returns.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Case-insensitive prefix of the email or the username.
    pub prefix: Option<String>,
}

impl UserFilter {
    pub fn new(query: Option<&str>) -> Self {
        Self {
            prefix: query.map(str::to_lowercase).filter(|q| !q.is_empty()),
        }
    }

    pub fn matches(&self, user: &User) -> bool {
        self.prefix.as_deref().is_none_or(|prefix| {
            user.email.key().starts_with(prefix) || user.username.key().starts_with(prefix)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for good in ["john@example.com", "a.b+c@mail.example.org", " x@y.io "] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "john",
            "@example.com",
            "john@",
            "john@example",
            "a b@c.d",
            "a@b..c",
            "a@@b.c",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Email::parse("John@Example.COM").unwrap().key(),
            "john@example.com"
        );
    }

    #[test]
    fn usernames() {
        for good in ["john_doe", "a.b-c", "abc", &"x".repeat(32)] {
            assert!(Username::parse(good).is_ok(), "{good}");
        }
        for bad in ["ab", &"x".repeat(33), "john doe", "jöhn", "a/b"] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metadata_must_be_a_small_object() {
        assert!(parse_metadata(serde_json::json!({"plan": "pro"})).is_ok());
        assert!(parse_metadata(serde_json::json!([1])).is_err());
        assert!(parse_metadata(serde_json::json!({"x": "y".repeat(5000)})).is_err());
    }
}
