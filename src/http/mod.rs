//! The REST edge. [`configure`] is the whole route table, in one place; each handler
//! lives in its own file under the resource it serves, reads the request (extractors,
//! the JSON body, ids in the path), calls the core and chooses the status. The core's
//! errors become the documented body in `error.rs`.

pub mod analytics;
pub mod answer;
pub mod client_ip;
pub mod clients;
pub mod cors;
pub mod demo;
pub mod error;
pub mod extract;
pub mod health;
pub mod json;
pub mod messages;
pub mod metrics;
pub mod notifications;
pub mod openapi;
pub mod paging;
pub mod request_id;
pub mod request_log;
pub mod rooms;
pub mod security_events;
pub mod server;
pub mod upgrade;
pub mod users;
pub mod webhooks;

use actix_web::{error::QueryPayloadError, web, HttpRequest, HttpResponse, Resource};

use crate::core::{ApiError, ErrorCode};

/// Every route lives under this prefix.
pub const BASE: &str = "/api/v1";

/// Mounts every route. A method a path does not serve, like a path that does not exist,
/// is 404 `NOT_FOUND` in the documented body.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, patch, post, put};
    let api = web::scope(BASE)
        .service(resource("/health").route(get().to(health::health)))
        .service(resource("/ready").route(get().to(health::ready)))
        .service(resource("/openapi.json").route(get().to(openapi::document)))
        // Clients and users (§4).
        .service(resource("/clients").route(post().to(clients::create::create)))
        .service(
            resource("/clients/me")
                .route(get().to(clients::read::read))
                .route(patch().to(clients::update::update)),
        )
        .service(
            resource("/clients/me/rotate-key").route(post().to(clients::rotate_key::rotate_key)),
        )
        .service(
            resource("/users")
                .route(post().to(users::create::create))
                .route(get().to(users::list::list)),
        )
        .service(resource("/users/login").route(post().to(users::login::login)))
        .service(resource("/users/logout").route(post().to(users::logout::logout)))
        .service(resource("/users/me").route(get().to(users::me::me)))
        .service(resource("/users/profile").route(put().to(users::profile::profile)))
        .service(
            resource("/users/{id}")
                .route(get().to(users::read::read))
                .route(patch().to(users::update::update))
                .route(delete().to(users::delete::delete)),
        )
        .service(resource("/users/{id}/revoke").route(post().to(users::revoke::revoke)))
        .service(resource("/security-events").route(get().to(security_events::list)))
        // Rooms (§5).
        .service(
            resource("/rooms")
                .route(post().to(rooms::create::create))
                .route(get().to(rooms::list::mine)),
        )
        .service(resource("/rooms/all").route(get().to(rooms::list::all)))
        .service(resource("/rooms/direct").route(post().to(rooms::direct::direct)))
        .service(resource("/rooms/join").route(post().to(rooms::membership::join)))
        .service(resource("/rooms/leave").route(post().to(rooms::membership::leave)))
        .service(
            resource("/rooms/{id}")
                .route(get().to(rooms::read::read))
                .route(patch().to(rooms::update::update))
                .route(delete().to(rooms::delete::delete)),
        )
        .service(resource("/rooms/{id}/join").route(post().to(rooms::membership::join_path)))
        .service(resource("/rooms/{id}/leave").route(post().to(rooms::membership::leave_path)))
        .service(
            resource("/rooms/{id}/members")
                .route(get().to(rooms::members::list))
                .route(post().to(rooms::members::add)),
        )
        .service(
            resource("/rooms/{id}/members/{user_id}").route(delete().to(rooms::members::remove)),
        )
        .service(resource("/rooms/{id}/presence").route(get().to(rooms::presence::presence)))
        .service(resource("/rooms/{id}/read").route(post().to(rooms::read_position::mark_read)))
        // Messages (§5).
        .service(resource("/rooms/{id}/messages").route(get().to(messages::history::history)))
        .service(resource("/messages").route(post().to(messages::create::create)))
        .service(
            resource("/messages/{id}")
                .route(get().to(messages::read::read))
                .route(patch().to(messages::update::update))
                .route(delete().to(messages::delete::delete)),
        )
        .service(resource("/messages/{id}/reactions").route(post().to(messages::reactions::add)))
        .service(
            resource("/messages/{id}/reactions/{emoji}")
                .route(delete().to(messages::reactions::remove)),
        )
        // Notifications (§7).
        .service(
            resource("/notifications")
                .route(post().to(notifications::create::create))
                .route(get().to(notifications::list::list)),
        )
        .service(
            resource("/notifications/{id}/read").route(post().to(notifications::read::mark_read)),
        )
        // Webhooks (§7).
        .service(
            resource("/webhooks")
                .route(post().to(webhooks::create::create))
                .route(get().to(webhooks::list::list)),
        )
        .service(
            resource("/webhooks/{id}")
                .route(get().to(webhooks::read::read))
                .route(patch().to(webhooks::update::update))
                .route(delete().to(webhooks::delete::delete)),
        )
        .service(resource("/webhooks/{id}/deliveries").route(get().to(webhooks::deliveries::list)))
        .service(
            resource("/webhooks/{id}/deliveries/{delivery_id}/replay")
                .route(post().to(webhooks::deliveries::replay)),
        )
        // Analytics (§7).
        .service(resource("/analytics").route(get().to(analytics::usage::usage)))
        .service(resource("/analytics/live").route(get().to(analytics::live::live)))
        // WebSocket (§6).
        .service(resource("/ws").route(get().to(upgrade::upgrade)));
    cfg.app_data(web::QueryConfig::default().error_handler(bad_query))
        .service(api)
        .service(resource("/").route(get().to(demo::index)))
        .service(resource("/metrics").route(get().to(metrics::scrape)))
        .service(resource("/chatapi.js").route(get().to(demo::client)))
        .service(resource("/chatapi.d.ts").route(get().to(demo::client_types)))
        .service(resource("/console").route(get().to(demo::console)))
        .service(resource("/console.js").route(get().to(demo::console_script)))
        .default_service(web::to(not_found));
}

/// A resource whose unserved methods answer like an unknown route.
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(not_found))
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::with_detail(
        ErrorCode::NotFound,
        format!("No route for {} {}", req.method(), req.path()),
    ))
}

fn bad_query(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::with_detail(
        ErrorCode::ValidationError,
        format!("Bad query string: {err}"),
    )
    .into()
}
