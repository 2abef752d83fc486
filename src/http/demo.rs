//! `GET /`: the demo page (`static/index.html`, compiled in): log in with a scoped
//! key, see rooms, messages, typing and presence live.

use actix_web::HttpResponse;

const INDEX: &str = include_str!("../../static/index.html");

pub async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX)
}
