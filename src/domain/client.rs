//! Client applications: the tenants.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ids::ClientId, validation::chars_within};

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// A client application as stored. Its master key lives in its own record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub id: ClientId,
    pub name: String,
    pub description: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// 1 to 100 characters, not only white space.
pub fn parse_name(text: String) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    chars_within(&text, 1, MAX_NAME_CHARS).map(|()| text)
}

/// At most 1000 characters.
pub fn parse_description(text: String) -> Result<String, String> {
    chars_within(&text, 0, MAX_DESCRIPTION_CHARS).map(|()| text)
}
