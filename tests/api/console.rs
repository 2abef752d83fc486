//! The admin console is served by every node, without a key (it asks for the master
//! key itself), with the script it loads.

use crate::helpers::{spawn_app, EngineKind};

#[actix_web::test]
async fn every_node_serves_the_admin_console_and_its_script() {
    let app = spawn_app(EngineKind::Memory).await;
    let root = app.base.trim_end_matches("/api/v1");
    for (path, kind, needle) in [
        (
            "/console",
            "text/html",
            r#"<script type="module" src="/console.js">"#,
        ),
        ("/console.js", "text/javascript", "from '/chatapi.js'"),
    ] {
        let response = app.http.get(format!("{root}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        assert!(response.text().await.unwrap().contains(needle), "{path}");
    }
}
