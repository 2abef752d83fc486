//! Turning a presented key into a caller. A request runs only for a live key of the
//! kind its route needs; every refusal is recorded as a security event when the key
//! can be tied to a client.

use chrono::Utc;

use super::{audit, Caller, MasterCaller, UserCaller};
use crate::{
    core::{ApiError, Core, ErrorCode},
    domain::{
        keys::{KeyKind, KeyOwner, PresentedKey},
        security_event::{SecurityEvent, SecurityEventKind},
    },
};

/// What an edge found in a request: the key (if any), where it came from, and the
/// route it was presented on (named in permission events).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub token: Option<String>,
    pub ip: Option<String>,
    pub route: String,
}

impl Credentials {
    fn event(&self, owner: KeyOwner, kind: SecurityEventKind) -> SecurityEvent {
        let event = SecurityEvent::new(owner.client(), kind, self.ip.clone());
        match owner.user() {
            Some(user) => event.user(user),
            None => event,
        }
    }
}

impl Core {
    /// The caller a live key of either kind belongs to. A failure counts against the
    /// caller's address; past its limit the answer is `RATE_LIMIT_EXCEEDED`.
    pub async fn authenticate(&self, credentials: &Credentials) -> Result<Caller, ApiError> {
        match self.check_key(credentials).await {
            Err(err) if is_failure(err.code()) => Err(self.auth_failed(credentials, err).await),
            checked => checked,
        }
    }

    /// Counts a failed authentication against the caller's address, and answers
    /// `err`, or the refusal once the address is past its limit. A store that cannot
    /// count leaves the answer as it was: the limit guards load, not the keys (which
    /// 238 bits of randomness guard).
    pub async fn auth_failed(&self, credentials: &Credentials, err: ApiError) -> ApiError {
        let check = credentials
            .ip
            .as_deref()
            .and_then(|ip| self.limits().auth_failure(ip));
        let Some(check) = check else {
            return err;
        };
        match self.engine.take(&check).await {
            Ok(status) if !status.allowed => {
                self.node.metrics.refused.auth_failures.inc();
                ApiError::rate_limited(status)
            }
            Ok(_) => err,
            Err(store) => {
                tracing::warn!(error = %store, "failed authentication not counted");
                err
            }
        }
    }

    async fn check_key(&self, credentials: &Credentials) -> Result<Caller, ApiError> {
        let engine = self.engine.as_ref();
        let ip = &credentials.ip;
        let Some(key) = credentials.token.as_deref().and_then(PresentedKey::parse) else {
            tracing::info!(ip = ?ip, "authentication failed: no well-formed key");
            return Err(ErrorCode::InvalidCredentials.into());
        };
        let digest = key.digest();
        let callers = &self.node.callers;
        if let Some(caller) = callers.get(&digest, key.kind(), Utc::now(), ip.clone()) {
            return Ok(caller);
        }
        let epoch = callers.epoch();
        let record = match engine.find_key(&digest).await? {
            Some(record) if record.digest.ct_eq(&digest) && record.owner.kind() == key.kind() => {
                record
            }
            _ => {
                tracing::info!(ip = ?ip, key_prefix = %key.shown(), "authentication failed: unknown key");
                return Err(ErrorCode::InvalidCredentials.into());
            }
        };
        let failed = |reason: &str| {
            credentials
                .event(record.owner, SecurityEventKind::AuthFailed)
                .reason(reason)
                .key_prefix(key.shown())
        };
        if record.revoked_at.is_some() {
            audit::record(engine, failed("revoked")).await;
            return Err(ErrorCode::InvalidCredentials.into());
        }
        if record.is_expired(Utc::now()) {
            let event = credentials
                .event(record.owner, SecurityEventKind::KeyExpired)
                .key_prefix(key.shown());
            audit::record(engine, event).await;
            return Err(ErrorCode::KeyExpired.into());
        }
        let client = match engine.get_client(record.owner.client()).await? {
            Some(client) if client.is_active => client,
            Some(_) => {
                audit::record(engine, failed("client_disabled")).await;
                return Err(ErrorCode::AccountDisabled.into());
            }
            None => return Err(ErrorCode::InvalidCredentials.into()),
        };
        let Some(user_id) = record.owner.user() else {
            let caller = Caller::Master(MasterCaller {
                client,
                ip: ip.clone(),
            });
            callers.put(digest, &caller, record.expires_at, epoch);
            return Ok(caller);
        };
        match engine.get_user(user_id).await? {
            Some(user) if user.is_active && user.client_id == client.id => {
                let caller = Caller::User(UserCaller {
                    client,
                    user,
                    key: digest,
                    key_expires_at: record.expires_at,
                    ip: ip.clone(),
                });
                callers.put(digest, &caller, record.expires_at, epoch);
                Ok(caller)
            }
            Some(user) if !user.is_active => {
                audit::record(engine, failed("user_disabled")).await;
                Err(ErrorCode::AccountDisabled.into())
            }
            _ => Err(ErrorCode::InvalidCredentials.into()),
        }
    }

    /// The caller of a route only the master key may call; a scoped key is refused
    /// (and the attempt recorded).
    pub async fn authenticate_master(
        &self,
        credentials: &Credentials,
    ) -> Result<MasterCaller, ApiError> {
        match self.authenticate(credentials).await? {
            Caller::Master(caller) => Ok(caller),
            Caller::User(caller) => {
                let owner = KeyOwner::User {
                    client: caller.client.id,
                    user: caller.user.id,
                };
                Err(self
                    .permission_denied(credentials, owner, KeyKind::User)
                    .await)
            }
        }
    }

    /// The caller of a route only a user may call; the master key is refused (and the
    /// attempt recorded).
    pub async fn authenticate_user(
        &self,
        credentials: &Credentials,
    ) -> Result<UserCaller, ApiError> {
        match self.authenticate(credentials).await? {
            Caller::User(caller) => Ok(caller),
            Caller::Master(caller) => {
                let owner = KeyOwner::Client(caller.client.id);
                Err(self
                    .permission_denied(credentials, owner, KeyKind::Master)
                    .await)
            }
        }
    }

    async fn permission_denied(
        &self,
        credentials: &Credentials,
        owner: KeyOwner,
        used: KeyKind,
    ) -> ApiError {
        let used = used.prefix().trim_end_matches('_');
        let reason = format!("{used} key on {}", credentials.route);
        let event = credentials
            .event(owner, SecurityEventKind::PermissionDenied)
            .reason(&reason);
        audit::record(self.engine.as_ref(), event).await;
        ErrorCode::InsufficientPermissions.into()
    }
}

/// The refusals that count as a failed authentication (not a wrong kind of key, not
/// an outage).
fn is_failure(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::InvalidCredentials | ErrorCode::KeyExpired | ErrorCode::AccountDisabled
    )
}
