//! The abuse limits of `API.md` §8, as the core applies them: which bucket each
//! limited action draws from. The buckets live in the store, so every node shares
//! them; the rule is the engine's (GCRA, `engine::rules::rate`).

use prometheus::IntCounter;
use serde::{Serialize, Serializer};

use super::{
    auth::{Caller, Credentials, UserCaller},
    ApiError, Core, ErrorCode,
};
use crate::{
    config::RateLimitSettings,
    domain::{
        ids::{ClientId, Shard, UserId},
        rate::{Limit, RateCheck, RateStatus},
    },
};

/// Each limit, or `None` where its setting turned it off.
#[derive(Debug, Clone, Copy, Default)]
pub struct RateLimits {
    messages: Option<Limit>,
    logins: Option<Limit>,
    ws_connects: Option<Limit>,
    auth_failures: Option<Limit>,
}

impl RateLimits {
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            messages: Limit::per_second(settings.messages_per_sec, settings.messages_burst),
            logins: Limit::per_minute(settings.logins_per_min),
            ws_connects: Limit::per_minute(settings.ws_connects_per_min),
            auth_failures: Limit::per_minute(settings.auth_failures_per_min),
        }
    }

    /// A user's messages, REST and WebSocket together.
    pub fn message(&self, user: UserId) -> Option<RateCheck> {
        check(self.messages, Some(user.shard()), format!("msg:{user}"))
    }

    /// Logins for one email of one client (its lower-cased key), known or not.
    pub fn login(&self, client: ClientId, email_key: &str) -> Option<RateCheck> {
        let bucket = format!("login:{client}:{email_key}");
        check(self.logins, Some(client.shard()), bucket)
    }

    /// A user's WebSocket connects.
    pub fn ws_connect(&self, user: UserId) -> Option<RateCheck> {
        check(self.ws_connects, Some(user.shard()), format!("ws:{user}"))
    }

    /// Failed authentications from one client address.
    pub fn auth_failure(&self, ip: &str) -> Option<RateCheck> {
        check(self.auth_failures, None, format!("authfail:{ip}"))
    }
}

fn check(limit: Option<Limit>, shard: Option<Shard>, bucket: String) -> Option<RateCheck> {
    limit.map(|limit| RateCheck {
        bucket,
        shard,
        limit,
    })
}

/// An answer from a limited action, with the bucket's status for the
/// `X-RateLimit-*` headers. Serializes as the answer alone.
#[derive(Debug)]
pub struct Metered<T> {
    pub body: T,
    /// `None` when the limit is off.
    pub rate: Option<RateStatus>,
}

impl<T: Serialize> Serialize for Metered<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.body.serialize(serializer)
    }
}

impl Core {
    /// The limits this node applies.
    pub fn limits(&self) -> &RateLimits {
        &self.node.limits
    }

    /// The user a WebSocket session opens for, from either edge (the upgrade's
    /// header or the `auth` frame): a scoped key (the master key has no socket), under
    /// the user's connect limit.
    pub async fn admit_session(
        &self,
        credentials: &Credentials,
    ) -> Result<Metered<UserCaller>, ApiError> {
        let Caller::User(user) = self.authenticate(credentials).await? else {
            return Err(ApiError::with_detail(
                ErrorCode::InsufficientPermissions,
                "A scoped key is required",
            ));
        };
        let refused = &self.node.metrics.refused.ws_connects;
        let rate = self
            .draw(self.limits().ws_connect(user.user.id), refused)
            .await?;
        Ok(Metered { body: user, rate })
    }

    /// Takes a unit from `check`'s bucket (nothing to take when the limit is off);
    /// `RATE_LIMIT_EXCEEDED` when it has none, counted on `refused`.
    pub async fn draw(
        &self,
        check: Option<RateCheck>,
        refused: &IntCounter,
    ) -> Result<Option<RateStatus>, ApiError> {
        let Some(check) = check else {
            return Ok(None);
        };
        let status = self.engine.take(&check).await?;
        self.admit(Some(status), refused)
    }

    /// What a unit taken elsewhere (in a store call of its own) says:
    /// `RATE_LIMIT_EXCEEDED` when it was refused, counted on `refused`.
    pub fn admit(
        &self,
        status: Option<RateStatus>,
        refused: &IntCounter,
    ) -> Result<Option<RateStatus>, ApiError> {
        match status {
            Some(status) if !status.allowed => {
                refused.inc();
                Err(ApiError::rate_limited(status))
            }
            other => Ok(other),
        }
    }
}
