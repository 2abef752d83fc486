//! Client applications: the tenants.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::ClientId;

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
