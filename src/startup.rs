//! Building and running a node. [`Application::build`] is the only way to start one:
//! the binary and the test suite both go through it, so the tests run what ships.

use std::{net::TcpListener, sync::Arc};

use actix::Actor;
use actix_web::{dev::Server, middleware::from_fn, web, App, HttpServer};
use tracing_actix_web::TracingLogger;

use crate::{
    actors::registry::Registry,
    config::Settings,
    engine::{memory::MemoryEngine, redis::RedisEngine, SharedEngine},
    http::{self, request_id, state::AppState},
};

/// A bound, not yet running, node.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Chooses the engine (Redis when `REDIS_URL` is set, else in-process), binds the
    /// listener and mounts the routes. A Redis that is down does not stop start-up: the
    /// node serves 503s and `/ready` says so until Redis answers.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let (engine, kind): (SharedEngine, &str) = match &settings.redis_url {
            None => (Arc::new(MemoryEngine::new()), "memory"),
            Some(url) => (
                Arc::new(RedisEngine::new(url.expose(), &settings.redis_prefix)?),
                "redis",
            ),
        };
        if let Err(err) = engine.ping().await {
            tracing::warn!(error = %err, "store not reachable yet; serving 503 until it is");
        }
        let listener = TcpListener::bind((settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        let registry = Registry::new(engine.clone()).start();
        let state = web::Data::new(AppState::new(engine, registry, &settings));
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(request_id::echo))
                .wrap(TracingLogger::default())
                .app_data(state.clone())
                .configure(http::configure)
        })
        .workers(settings.workers)
        .listen(listener)?
        .run();
        tracing::info!(host = %settings.host, port, engine = kind, "listening");
        Ok(Self { port, server })
    }

    /// The bound port (useful when `CHATAPI_PORT=0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
