//! The browser files, compiled in so a node needs nothing beside its binary:
//! `GET /` the demo page (`static/index.html`: log in with a scoped key, see rooms,
//! messages, typing and presence live), `GET /chatapi.js` the JavaScript client it is
//! built on, `GET /chatapi.d.ts` that client's TypeScript types, and the app owner's
//! admin console, `GET /console` (`static/console.html`) with its script
//! `GET /console.js`.

use actix_web::HttpResponse;

const INDEX: &str = include_str!("../../static/index.html");
const CLIENT: &str = include_str!("../../static/chatapi.js");
const CLIENT_TYPES: &str = include_str!("../../static/chatapi.d.ts");
const CONSOLE: &str = include_str!("../../static/console.html");
const CONSOLE_SCRIPT: &str = include_str!("../../static/console.js");

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
    file("text/html; charset=utf-8", INDEX)
}

/// The JavaScript client.
///
/// No key. `text/javascript` is the type browsers require of an ES module script.
#[utoipa::path(
    get,
    path = "/chatapi.js",
    operation_id = "javascript_client",
    tag = "operations",
    responses((status = 200, description = "The JavaScript client, an ES module", body = String, content_type = "text/javascript"))
)]
pub async fn client() -> HttpResponse {
    file("text/javascript; charset=utf-8", CLIENT)
}

/// The JavaScript client's TypeScript declarations.
///
/// No key. TypeScript has no registered media type; `text/plain` shows it in a tab.
#[utoipa::path(
    get,
    path = "/chatapi.d.ts",
    operation_id = "javascript_client_types",
    tag = "operations",
    responses((status = 200, description = "The client's TypeScript declarations", body = String, content_type = "text/plain"))
)]
pub async fn client_types() -> HttpResponse {
    file("text/plain; charset=utf-8", CLIENT_TYPES)
}

/// The admin console.
///
/// No key (the page asks for the master key itself and keeps it in session storage).
#[utoipa::path(
    get,
    path = "/console",
    operation_id = "console",
    tag = "operations",
    responses((status = 200, description = "The admin console page", body = String, content_type = "text/html"))
)]
pub async fn console() -> HttpResponse {
    file("text/html; charset=utf-8", CONSOLE)
}

/// The admin console's script.
///
/// No key. An ES module that imports `/chatapi.js`.
#[utoipa::path(
    get,
    path = "/console.js",
    operation_id = "console_script",
    tag = "operations",
    responses((status = 200, description = "The admin console's ES module", body = String, content_type = "text/javascript"))
)]
pub async fn console_script() -> HttpResponse {
    file("text/javascript; charset=utf-8", CONSOLE_SCRIPT)
}

/// One compiled-in file, with its type.
fn file(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok().content_type(content_type).body(body)
}
