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

pub async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX)
}

/// `text/javascript` is the type browsers require of an ES module script.
pub async fn client() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(CLIENT)
}

/// TypeScript has no registered media type; `text/plain` shows it in a browser tab.
pub async fn client_types() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(CLIENT_TYPES)
}

/// The admin console's page; it asks for the master key itself, so it is served
/// without one.
pub async fn console() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(CONSOLE)
}

/// The console's ES module (it imports `/chatapi.js`).
pub async fn console_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(CONSOLE_SCRIPT)
}
