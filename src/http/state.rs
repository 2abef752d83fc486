//! What every handler shares.

use chrono::Duration;

use crate::{config::Settings, domain::keys::KeyDigest, engine::SharedEngine};

pub struct AppState {
    pub engine: SharedEngine,
    /// Lifetime of a scoped key.
    pub scoped_key_ttl: Duration,
    /// Digest of `CHATAPI_ADMIN_TOKEN`, compared in constant time; `None` leaves
    /// client registration open (development).
    pub admin_token: Option<KeyDigest>,
}

impl AppState {
    pub fn new(engine: SharedEngine, settings: &Settings) -> Self {
        Self {
            engine,
            scoped_key_ttl: Duration::from_std(settings.scoped_key_ttl).unwrap_or(Duration::MAX),
            admin_token: settings
                .admin_token
                .as_ref()
                .map(|token| KeyDigest::of(token.expose())),
        }
    }
}
