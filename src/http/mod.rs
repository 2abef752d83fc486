//! The REST API. [`configure`] is the whole route table, in one place; each handler
//! lives in its own file under the resource it serves.

pub mod clients;
pub mod health;
pub mod json;
pub mod messages;
pub mod page;
pub mod paging;
pub mod request_id;
pub mod rooms;
pub mod security_events;
pub mod state;
pub mod users;

use actix_web::{error::QueryPayloadError, web, HttpRequest, HttpResponse, Resource};

use crate::error::{ApiError, ErrorCode};

/// Every route lives under this prefix.
pub const BASE: &str = "/api/v1";

/// Mounts every route. A method a path does not serve, like a path that does not exist,
/// is 404 `NOT_FOUND` in the documented body.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, patch, post, put};
    cfg.app_data(web::QueryConfig::default().error_handler(bad_query))
        .service(
            web::scope(BASE)
                .service(resource("/health").route(get().to(health::health)))
                .service(resource("/ready").route(get().to(health::ready)))
                .service(resource("/clients").route(post().to(clients::create::create)))
                .service(
                    resource("/clients/me")
                        .route(get().to(clients::read::read))
                        .route(patch().to(clients::update::update)),
                )
                .service(
                    resource("/clients/me/rotate-key")
                        .route(post().to(clients::rotate_key::rotate_key)),
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
                .service(resource("/security-events").route(get().to(security_events::list))),
        )
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
