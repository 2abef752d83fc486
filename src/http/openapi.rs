//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every route, generated from
//! the code. Each handler carries its own `#[utoipa::path]`, and every schema is derived
//! (`ToSchema`) from the type that serializes the answer or deserializes the body, so
//! the document cannot drift from what the node does. `tests/api/openapi.rs` holds the
//! route table (`http/mod.rs`) and this document to the same set of routes, and the
//! fuzz run (`tests/fuzz/run.sh`) holds the node's answers to the document.
//!
//! # Annotating a new route
//! 1. Mount it in [`super::configure`] as usual.
//! 2. Put `#[utoipa::path(...)]` on its handler (copy a neighbour's):
//!    - the method and the full path: `post, path = "/api/v1/webhooks/{id}"`;
//!    - a unique `operation_id` (`"update_webhook"`) and a `tag` from [`ApiDoc`]'s list;
//!    - `security(...)`: `("master_key" = [])`, `("scoped_key" = [])`, both entries
//!      for either key, none for an open route;
//!    - `params(...)`: each path id (`("id" = WebhookId, Path)`) and the query type
//!      (derive `IntoParams` on the struct the handler reads the query into);
//!    - `request_body = Fields`, the struct the handler deserializes, with
//!      `ToSchema` derived on it (a derive is all a core or domain type needs);
//!    - `responses(...)`: the success status with `body =` the type it serializes,
//!      then the route's own refusals (`(status = 404, description =
//!      "`WEBHOOK_NOT_FOUND`", body = ErrorBody)`), then the shared groups below:
//!      [`KeyRefusals`] for a route that takes a key, [`BodyRefusals`] for a JSON
//!      body, [`ValidationRefusals`] for a query string (or another part of the
//!      request it validates), [`Faults`] for any route that reaches the store;
//!    - Its doc comment: the first line is the summary; the rest says which key may
//!      do what (the master/scoped distinction) and anything a caller must know.
//! 3. Add the handler to `paths(...)` of [`ApiDoc`] and any new body type to
//!    `components(schemas(...))` if nothing else references it.
//! 4. `cargo test --test api -- openapi` checks the route table and the document
//!    agree; `bash tests/fuzz/run.sh` checks the node keeps to the document.

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use utoipa::{
    openapi::{
        header::HeaderBuilder,
        schema::{ObjectBuilder, Type},
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
        ContentBuilder, Ref, RefOr, Response, ResponseBuilder,
    },
    IntoResponses, Modify, OpenApi,
};

use super::{
    analytics, clients, health, messages, metrics, notifications, rooms, security_events, upgrade,
    users, webhooks,
};
use crate::core::{error::ErrorBody, ApiError};

/// The document, assembled from every handler's annotation.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "ChatAPI",
        description = "A multi-tenant realtime chat backend. A client application holds a \
            master key (`ck_live_…`) and manages its users; each user holds one scoped key \
            (`sk_user_…`). Every refusal has the body `ErrorBody`; its `error_code` is one \
            of the documented codes, listed on each response."
    ),
    paths(
        health::health,
        health::ready,
        metrics::scrape,
        document,
        super::demo::index,
        super::demo::client,
        super::demo::client_types,
        super::demo::console,
        super::demo::console_script,
        clients::create::create,
        clients::read::read,
        clients::update::update,
        clients::rotate_key::rotate_key,
        users::create::create,
        users::list::list,
        users::login::login,
        users::logout::logout,
        users::me::me,
        users::profile::profile,
        users::read::read,
        users::update::update,
        users::delete::delete,
        users::revoke::revoke,
        security_events::list,
        rooms::create::create,
        rooms::list::mine,
        rooms::list::all,
        rooms::direct::direct,
        rooms::membership::join,
        rooms::membership::leave,
        rooms::read::read,
        rooms::update::update,
        rooms::delete::delete,
        rooms::membership::join_path,
        rooms::membership::leave_path,
        rooms::members::list,
        rooms::members::add,
        rooms::members::remove,
        rooms::presence::presence,
        rooms::read_position::mark_read,
        messages::history::history,
        messages::create::create,
        messages::read::read,
        messages::update::update,
        messages::delete::delete,
        messages::reactions::add,
        messages::reactions::remove,
        upgrade::upgrade,
        notifications::create::create,
        notifications::list::list,
        notifications::read::mark_read,
        webhooks::create::create,
        webhooks::list::list,
        webhooks::read::read,
        webhooks::update::update,
        webhooks::delete::delete,
        webhooks::deliveries::list,
        webhooks::deliveries::replay,
        analytics::usage::usage,
        analytics::live::live,
    ),
    components(schemas(ErrorBody)),
    modifiers(&KeysAndRefusals),
    tags(
        (name = "operations", description = "Health, readiness, metrics, this document, the demo page, the JavaScript client, the admin console"),
        (name = "clients", description = "Client applications and their master keys (API.md §4)"),
        (name = "users", description = "Users and their scoped keys (API.md §4)"),
        (name = "security-events", description = "The audit trail of authentication (API.md §7)"),
        (name = "rooms", description = "Rooms, members, presence, read positions (API.md §5)"),
        (name = "messages", description = "Messages, history, reactions (API.md §5)"),
        (name = "websocket", description = "The real-time connection (API.md §6)"),
        (name = "notifications", description = "Notifications and inboxes (API.md §7)"),
        (name = "webhooks", description = "Signed, durable webhooks and their deliveries (API.md §7)"),
        (name = "analytics", description = "Usage per hour or day, and live load (API.md §7)"),
    )
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
///
/// No key. The OpenAPI 3.1 document of every route, this one included.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "operations",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", body = Object),
        Faults,
    )
)]
pub async fn document() -> Result<HttpResponse, ApiError> {
    let json = ApiDoc::openapi().to_json().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(json))
}

/// A refusal many routes share, written once under `components/responses` and
/// referenced from each operation: its status and the codes (API.md §2) it carries.
struct Shared {
    name: &'static str,
    status: u16,
    description: &'static str,
    /// Whether it always carries `Retry-After`.
    retry_after: bool,
}

const INVALID_JSON: Shared = Shared {
    name: "InvalidJson",
    status: 400,
    description: "`INVALID_JSON`: the body is not JSON, or `Content-Type` is not \
        `application/json`.",
    retry_after: false,
};
const UNAUTHENTICATED: Shared = Shared {
    name: "Unauthenticated",
    status: 401,
    description: "`INVALID_CREDENTIALS` (key missing, malformed, unknown or revoked) or \
        `KEY_EXPIRED` (a scoped key past its `expires_at`).",
    retry_after: false,
};
const FORBIDDEN: Shared = Shared {
    name: "Forbidden",
    status: 403,
    description: "`INSUFFICIENT_PERMISSIONS` (the other kind of key, or a role that may \
        not), `ACCOUNT_DISABLED` (a deactivated user or client), or on room and message \
        routes `NOT_A_MEMBER`.",
    retry_after: false,
};
const PAYLOAD_TOO_LARGE: Shared = Shared {
    name: "PayloadTooLarge",
    status: 413,
    description: "`PAYLOAD_TOO_LARGE`: the body is over 64 KiB.",
    retry_after: false,
};
const VALIDATION_FAILED: Shared = Shared {
    name: "ValidationFailed",
    status: 422,
    description: "`VALIDATION_ERROR`: a field is missing, unknown, of the wrong type or \
        out of bounds; `errors` names each one.",
    retry_after: false,
};
const RATE_LIMITED: Shared = Shared {
    name: "RateLimited",
    status: 429,
    description: "`RATE_LIMIT_EXCEEDED`: too many failed authentications from this \
        address, or the route's own limit (API.md §8). Retry after `Retry-After` seconds.",
    retry_after: true,
};
const INTERNAL: Shared = Shared {
    name: "Internal",
    status: 500,
    description: "`INTERNAL_ERROR`: a fault on our side; the detail is generic.",
    retry_after: false,
};
const UNAVAILABLE: Shared = Shared {
    name: "Unavailable",
    status: 503,
    description: "`SERVICE_UNAVAILABLE`: the store cannot be reached, or the node is \
        shutting down. Retry after `Retry-After` seconds.",
    retry_after: true,
};

const SHARED: [&Shared; 8] = [
    &INVALID_JSON,
    &UNAUTHENTICATED,
    &FORBIDDEN,
    &PAYLOAD_TOO_LARGE,
    &VALIDATION_FAILED,
    &RATE_LIMITED,
    &INTERNAL,
    &UNAVAILABLE,
];

impl Shared {
    fn reference(&self) -> (String, RefOr<Response>) {
        (
            self.status.to_string(),
            RefOr::Ref(Ref::from_response_name(self.name)),
        )
    }

    fn response(&self) -> Response {
        let body = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build();
        let response = ResponseBuilder::new()
            .description(self.description)
            .content("application/json", body);
        if self.retry_after {
            let whole_seconds = ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0));
            let seconds = HeaderBuilder::new()
                .schema(whole_seconds)
                .description(Some("Seconds to wait before retrying"))
                .build();
            response.header("Retry-After", seconds).build()
        } else {
            response.build()
        }
    }
}

/// A named set of shared refusals, for an operation's `responses(...)`.
macro_rules! refusals {
    ($($(#[$doc:meta])* $group:ident = [$($shared:ident),+];)+) => {$(
        $(#[$doc])*
        pub struct $group;

        impl IntoResponses for $group {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                [$(&$shared),+].into_iter().map(Shared::reference).collect()
            }
        }
    )+};
}

refusals! {
    /// A route that takes a key: 401, 403, 429.
    KeyRefusals = [UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED];
    /// `POST /clients` with an admin token set: 401, 429.
    AdminTokenRefusals = [UNAUTHENTICATED, RATE_LIMITED];
    /// A route that reads a JSON body: 400, 413, 422.
    BodyRefusals = [INVALID_JSON, PAYLOAD_TOO_LARGE, VALIDATION_FAILED];
    /// A route whose query string, path or headers are validated: 422.
    ValidationRefusals = [VALIDATION_FAILED];
    /// A route that reaches the store (or the node's actors): 500, 503.
    Faults = [INTERNAL, UNAVAILABLE];
}

/// Adds what no single operation owns: the shared refusals and the key schemes.
struct KeysAndRefusals;

impl Modify for KeysAndRefusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for shared in SHARED {
            components
                .responses
                .insert(shared.name.to_owned(), RefOr::T(shared.response()));
        }
        let bearer = |format: &str, description: &str| {
            let mut scheme = HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format(format)
                .build();
            scheme.description = Some(description.to_owned());
            SecurityScheme::Http(scheme)
        };
        components.add_security_scheme(
            "master_key",
            bearer(
                "ck_live_…",
                "A client application's master key: the client's own resources, all its \
                 users and rooms.",
            ),
        );
        components.add_security_scheme(
            "scoped_key",
            bearer(
                "sk_user_…",
                "A user's scoped key: that user's own actions, in rooms it belongs to.",
            ),
        );
        components.add_security_scheme(
            "admin_token",
            bearer(
                "CHATAPI_ADMIN_TOKEN",
                "Required by `POST /clients` only when the node has an admin token set.",
            ),
        );
    }
}
