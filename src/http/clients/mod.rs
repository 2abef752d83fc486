//! `/clients`: registering a client application and managing it with its master key.

pub mod create;
pub mod read;
pub mod rotate_key;
pub mod update;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{client::Client, ids::ClientId};

/// A client as the API shows it; never with a key.
#[derive(Debug, Serialize)]
pub struct ClientBody {
    pub id: ClientId,
    pub name: String,
    pub description: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Client> for ClientBody {
    fn from(client: Client) -> Self {
        Self {
            id: client.id,
            name: client.name,
            description: client.description,
            is_active: client.is_active,
            created_at: client.created_at,
        }
    }
}
