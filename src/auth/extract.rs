//! Extractors that authenticate: a handler that takes [`MasterCaller`] or
//! [`UserCaller`] runs only for a live key of that kind. Every refusal is recorded as a
//! security event when the key can be tied to a client.

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use futures_util::future::LocalBoxFuture;

use super::audit::{self, peer_ip};
use crate::{
    domain::{
        client::Client,
        keys::{KeyDigest, KeyKind, KeyOwner, PresentedKey},
        security_event::{SecurityEvent, SecurityEventKind},
        user::User,
    },
    error::{ApiError, ErrorCode},
    http::state::AppState,
};

/// A request made with a live master key.
#[derive(Debug, Clone)]
pub struct MasterCaller {
    pub client: Client,
}

/// A request made with a user's live scoped key.
#[derive(Debug, Clone)]
pub struct UserCaller {
    pub client: Client,
    pub user: User,
    /// Digest of the key used, so logout revokes exactly this key.
    pub key: KeyDigest,
    /// When that key expires: a WebSocket opened with it closes then.
    pub key_expires_at: Option<DateTime<Utc>>,
}

/// Whoever a valid key belongs to: routes open to both kinds take this.
// One caller is built per request and moved, never stored in bulk: boxing the larger
// variant would only add an allocation per request.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Caller {
    Master(MasterCaller),
    User(UserCaller),
}

impl Caller {
    pub fn client(&self) -> &Client {
        match self {
            Caller::Master(caller) => &caller.client,
            Caller::User(caller) => &caller.client,
        }
    }

    /// The user, for a scoped key.
    pub fn user(&self) -> Option<&User> {
        match self {
            Caller::Master(_) => None,
            Caller::User(caller) => Some(&caller.user),
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = Request::of(req);
        Box::pin(async move { request.authenticate().await })
    }
}

/// Authenticates a key presented outside an HTTP header: the first frame of a
/// WebSocket. The same rules, and the same security events, as the extractors.
pub async fn authenticate(
    state: web::Data<AppState>,
    token: String,
    ip: Option<String>,
) -> Result<Caller, ApiError> {
    let request = Request {
        state: Some(state),
        token: Some(token),
        ip,
        route: "/api/v1/ws".to_owned(),
    };
    request.authenticate().await
}

/// The bearer token of a request, if it sent one.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl FromRequest for MasterCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = Request::of(req);
        Box::pin(async move {
            match request.authenticate().await? {
                Caller::Master(caller) => Ok(caller),
                Caller::User(caller) => Err(request.deny(&caller).await),
            }
        })
    }
}

impl FromRequest for UserCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = Request::of(req);
        Box::pin(async move {
            match request.authenticate().await? {
                Caller::User(caller) => Ok(caller),
                Caller::Master(caller) => Err(request.deny_master(&caller).await),
            }
        })
    }
}

/// What authentication needs from a request, owned so it can cross an `.await`.
struct Request {
    state: Option<web::Data<AppState>>,
    token: Option<String>,
    ip: Option<String>,
    route: String,
}

impl Request {
    fn of(req: &HttpRequest) -> Self {
        Self {
            state: req.app_data::<web::Data<AppState>>().cloned(),
            token: bearer(req),
            ip: peer_ip(req),
            route: req.match_pattern().unwrap_or_else(|| req.path().to_owned()),
        }
    }

    fn event(&self, owner: KeyOwner, kind: SecurityEventKind) -> SecurityEvent {
        let event = SecurityEvent::new(owner.client(), kind, self.ip.clone());
        match owner.user() {
            Some(user) => event.user(user),
            None => event,
        }
    }

    async fn authenticate(&self) -> Result<Caller, ApiError> {
        let state = self
            .state
            .as_ref()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState not registered")))?;
        let engine = state.engine.as_ref();
        let Some(key) = self.token.as_deref().and_then(PresentedKey::parse) else {
            tracing::info!(ip = ?self.ip, "authentication failed: no well-formed key");
            return Err(ErrorCode::InvalidCredentials.into());
        };
        let digest = key.digest();
        let record = match engine.find_key(&digest).await? {
            Some(record) if record.digest.ct_eq(&digest) && record.owner.kind() == key.kind() => {
                record
            }
            _ => {
                tracing::info!(ip = ?self.ip, key_prefix = %key.shown(), "authentication failed: unknown key");
                return Err(ErrorCode::InvalidCredentials.into());
            }
        };
        let failed = |reason: &str| {
            self.event(record.owner, SecurityEventKind::AuthFailed)
                .reason(reason)
                .key_prefix(key.shown())
        };
        if record.revoked_at.is_some() {
            audit::record(engine, failed("revoked")).await;
            return Err(ErrorCode::InvalidCredentials.into());
        }
        if record.is_expired(Utc::now()) {
            let event = self
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
            return Ok(Caller::Master(MasterCaller { client }));
        };
        match engine.get_user(user_id).await? {
            Some(user) if user.is_active && user.client_id == client.id => {
                Ok(Caller::User(UserCaller {
                    client,
                    user,
                    key: digest,
                    key_expires_at: record.expires_at,
                }))
            }
            Some(user) if !user.is_active => {
                audit::record(engine, failed("user_disabled")).await;
                Err(ErrorCode::AccountDisabled.into())
            }
            _ => Err(ErrorCode::InvalidCredentials.into()),
        }
    }

    /// A scoped key on a master route.
    async fn deny(&self, caller: &UserCaller) -> ApiError {
        let owner = KeyOwner::User {
            client: caller.client.id,
            user: caller.user.id,
        };
        self.permission_denied(owner, KeyKind::User).await
    }

    /// A master key on a route only a user may call.
    async fn deny_master(&self, caller: &MasterCaller) -> ApiError {
        self.permission_denied(KeyOwner::Client(caller.client.id), KeyKind::Master)
            .await
    }

    async fn permission_denied(&self, owner: KeyOwner, used: KeyKind) -> ApiError {
        if let Some(state) = &self.state {
            let reason = format!(
                "{} key on {}",
                used.prefix().trim_end_matches('_'),
                self.route
            );
            let event = self
                .event(owner, SecurityEventKind::PermissionDenied)
                .reason(&reason);
            audit::record(state.engine.as_ref(), event).await;
        }
        ErrorCode::InsufficientPermissions.into()
    }
}
