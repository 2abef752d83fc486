//! The one error type of the core, and the documented error body:
//! `{"detail", "error_code", "status_code"}` (plus `errors` for validation).
//!
//! Both edges answer with it: `http/error.rs` turns it into a response, `ws/` into an
//! `error` frame, and each calls [`ApiError::report`], so the cause chain and the place
//! it was raised are logged once, in one place, whichever edge it leaves by. What a
//! caller sees is only the code and a detail written for them; 5xx details are generic
//! so no internal ever leaks.

use std::{borrow::Cow, fmt, panic::Location};

use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::{rate::RateStatus, validation::FieldError},
    engine::EngineError,
};

/// Exactly the codes of `API.md` §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    InvalidCredentials,
    KeyExpired,
    InsufficientPermissions,
    AccountDisabled,
    NotAMember,
    ValidationError,
    InvalidJson,
    PayloadTooLarge,
    NotFound,
    UserNotFound,
    RoomNotFound,
    MessageNotFound,
    WebhookNotFound,
    NotificationNotFound,
    EmailTaken,
    UsernameTaken,
    AlreadyMember,
    RoomFull,
    RateLimitExceeded,
    ServiceUnavailable,
    InternalError,
}

impl ErrorCode {
    /// The documented HTTP status, also written into every error body (WebSocket
    /// `error` frames included). Exhaustive on purpose: a new code must be given its
    /// status here, never fall into a default.
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            InvalidCredentials | KeyExpired => 401,
            InsufficientPermissions | AccountDisabled | NotAMember => 403,
            ValidationError => 422,
            InvalidJson => 400,
            PayloadTooLarge => 413,
            NotFound | UserNotFound | RoomNotFound | MessageNotFound | WebhookNotFound
            | NotificationNotFound => 404,
            EmailTaken | UsernameTaken | AlreadyMember | RoomFull => 409,
            RateLimitExceeded => 429,
            ServiceUnavailable => 503,
            InternalError => 500,
        }
    }

    pub fn is_server_error(self) -> bool {
        self.status() >= 500
    }

    /// The detail used when the raiser has nothing more specific to say. The first
    /// three are the guide's exact strings.
    pub fn default_detail(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidCredentials => "Invalid authentication credentials",
            KeyExpired => "API key has expired",
            InsufficientPermissions => "Insufficient permissions for this operation",
            AccountDisabled => "This account is disabled",
            NotAMember => "You are not a member of this room",
            ValidationError => "The request is not valid",
            InvalidJson => "The request body is not valid JSON",
            PayloadTooLarge => "The request body is too large",
            NotFound => "No such route",
            UserNotFound => "User not found",
            RoomNotFound => "Room not found",
            MessageNotFound => "Message not found",
            WebhookNotFound => "Webhook not found",
            NotificationNotFound => "Notification not found",
            EmailTaken => "A user with this email already exists",
            UsernameTaken => "A user with this username already exists",
            AlreadyMember => "Already a member of this room",
            RoomFull => "The room is full",
            RateLimitExceeded => "Too many requests",
            ServiceUnavailable => "The service is temporarily unavailable; retry shortly",
            InternalError => "Internal server error",
        }
    }
}

/// Seconds a client should wait before retrying after a 503: every 503 says so.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 1;

/// A refusal or fault, with what the caller sees and what only the logs see.
pub struct ApiError {
    code: ErrorCode,
    detail: Cow<'static, str>,
    fields: Vec<FieldError>,
    retry_after: Option<u64>,
    /// For a refusal by a rate limit: the bucket, for the `X-RateLimit-*` headers.
    /// Boxed: it is rare, and every `Result` carrying this error pays for its size.
    rate: Option<Box<RateStatus>>,
    /// Logged, never sent.
    cause: Option<anyhow::Error>,
    /// Where the error was raised, for the log line.
    at: &'static Location<'static>,
}

impl ApiError {
    /// `code` with its default detail.
    #[track_caller]
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            detail: Cow::Borrowed(code.default_detail()),
            fields: Vec::new(),
            retry_after: None,
            rate: None,
            cause: None,
            at: Location::caller(),
        }
    }

    /// `code` with a specific detail for the caller.
    #[track_caller]
    pub fn with_detail(code: ErrorCode, detail: impl Into<Cow<'static, str>>) -> Self {
        Self {
            detail: detail.into(),
            ..Self::new(code)
        }
    }

    /// 422 listing every field that failed.
    #[track_caller]
    pub fn validation(fields: Vec<FieldError>) -> Self {
        Self {
            fields,
            ..Self::new(ErrorCode::ValidationError)
        }
    }

    /// 429: a rate limit refused the request; retry when its bucket has a unit again.
    #[track_caller]
    pub fn rate_limited(status: RateStatus) -> Self {
        Self {
            retry_after: Some(status.retry_after_secs()),
            rate: Some(Box::new(status)),
            ..Self::new(ErrorCode::RateLimitExceeded)
        }
    }

    /// An unexpected fault: 500 with a generic detail, `cause` logged.
    #[track_caller]
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(ErrorCode::InternalError)
        }
    }

    /// The same answer for another request that failed with this one (a group
    /// commit's): what the caller sees, without the cause, so a fault is logged once.
    #[track_caller]
    pub fn duplicate(&self) -> Self {
        Self {
            code: self.code,
            detail: self.detail.clone(),
            fields: self.fields.clone(),
            retry_after: self.retry_after,
            rate: self.rate.clone(),
            cause: None,
            at: self.at,
        }
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Seconds the caller should wait before retrying, when that is known.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// The rate-limit bucket that refused the request, if one did.
    pub fn rate(&self) -> Option<RateStatus> {
        self.rate.as_deref().copied()
    }

    /// The documented body, for an edge that answers with this error. Logs it first:
    /// this is the one place an error leaving the node is logged, 5xx at ERROR with
    /// the cause chain.
    pub fn report(&self) -> ErrorBody<'_> {
        self.log();
        self.body()
    }

    /// The documented body, without logging (tests, and `report`).
    pub fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            detail: &self.detail,
            error_code: self.code,
            status_code: self.code.status(),
            errors: (!self.fields.is_empty()).then_some(&self.fields),
        }
    }

    fn log(&self) {
        if self.code.is_server_error() {
            tracing::error!(
                error.code = ?self.code,
                error.at = %self.at,
                error.cause_chain = ?self.cause,
                "request failed"
            );
        } else {
            tracing::debug!(error.code = ?self.code, error.at = %self.at, "request refused");
        }
    }
}

/// `{"detail", "error_code", "status_code", "errors"?}` as `API.md` §2 writes it: the
/// body of every refusal and fault, from any route.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody<'a> {
    /// For a person to read; generic for 5xx.
    pub detail: &'a str,
    pub error_code: ErrorCode,
    /// The HTTP status, repeated (WebSocket `error` frames carry it too).
    pub status_code: u16,
    /// Only on `VALIDATION_ERROR`: one entry per failing field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<FieldError>>)]
    pub errors: Option<&'a Vec<FieldError>>,
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} at {}: {}", self.code, self.at, self.detail)?;
        if let Some(cause) = &self.cause {
            write!(f, "; caused by: {cause:#}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl From<ErrorCode> for ApiError {
    #[track_caller]
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

impl From<EngineError> for ApiError {
    #[track_caller]
    fn from(err: EngineError) -> Self {
        match err {
            // `Retry-After` is added to every 503 where it is answered (`http/error.rs`).
            EngineError::Unavailable(cause) => Self {
                cause: Some(cause),
                ..Self::new(ErrorCode::ServiceUnavailable)
            },
            EngineError::EmailTaken => Self::new(ErrorCode::EmailTaken),
            EngineError::UsernameTaken => Self::new(ErrorCode::UsernameTaken),
            EngineError::Corrupt(cause) => Self::internal(cause),
        }
    }
}
