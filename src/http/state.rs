//! What every handler shares.

use chrono::{DateTime, Duration, Utc};

use crate::{
    config::Settings,
    domain::keys::KeyDigest,
    engine::{Revocation, SharedEngine},
};

pub struct AppState {
    pub engine: SharedEngine,
    /// Lifetime of a scoped key; also how long a revoked key's tombstone is kept.
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

    /// A revocation happening at `at`, its tombstone kept for one key lifetime.
    pub fn revocation(&self, at: DateTime<Utc>) -> Revocation {
        Revocation {
            at,
            keep_until: at + self.scoped_key_ttl,
        }
    }
}
