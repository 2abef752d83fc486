//! What every handler shares.

use actix::Addr;
use chrono::Duration;
use ipnet::IpNet;

use crate::{
    actors::registry::Registry, config::Settings, domain::keys::KeyDigest, engine::SharedEngine,
};

pub struct AppState {
    pub engine: SharedEngine,
    /// The node's registry: rooms and sessions.
    pub registry: Addr<Registry>,
    /// Lifetime of a scoped key.
    pub scoped_key_ttl: Duration,
    /// Digest of `CHATAPI_ADMIN_TOKEN`, compared in constant time; `None` leaves
    /// client registration open (development).
    pub admin_token: Option<KeyDigest>,
    /// Load balancers whose `X-Forwarded-For` names the real client.
    pub trusted_proxies: Vec<IpNet>,
}

impl AppState {
    pub fn new(engine: SharedEngine, registry: Addr<Registry>, settings: &Settings) -> Self {
        Self {
            engine,
            registry,
            scoped_key_ttl: Duration::from_std(settings.scoped_key_ttl).unwrap_or(Duration::MAX),
            admin_token: settings
                .admin_token
                .as_ref()
                .map(|token| KeyDigest::of(token.expose())),
            trusted_proxies: settings.trusted_proxies.clone(),
        }
    }
}
