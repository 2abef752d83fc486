//! `GET /`: the demo page (`static/index.html`, compiled in): log in with a scoped
//! key, see rooms, messages, typing and presence live.

use actix_web::HttpResponse;

const INDEX: &str = include_str!("../../static/index.html");

/// The demo page.
///
/// No key (the page asks for a scoped key and uses it from the browser).
#[utoipa::path(
    get,
    path = "/",
    operation_id = "demo",
    tag = "operations",
    responses((status = 200, description = "The demo page", body = String, content_type = "text/html"))
)]
pub async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX)
}
