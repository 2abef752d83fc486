//! Building and running a node. [`Application::build`] is the only way to start one:
//! the binary and the test suite both go through it, so the tests run what ships.

use std::{net::TcpListener, sync::Arc};

use actix::{Actor, Addr};
use actix_web::{
    dev::{Server, ServerHandle},
    web,
};

use crate::{
    config::Settings,
    core::{
        actors::{cluster::NodeInfo, messages::Shutdown, registry::Registry},
        analytics,
        limits::RateLimits,
        sockets::SocketSlots,
        upkeep, webhooks, Core,
    },
    domain::ids::NodeId,
    engine::{memory::MemoryEngine, redis::RedisEngine, SharedEngine},
    http::{self, client_ip::TrustedProxies},
    metrics::Metrics,
};

/// A bound, not yet running, node.
pub struct Application {
    port: u16,
    server: Server,
    stopper: Stopper,
}

/// Stops a node gracefully: sockets are told 1012 (server restarting) so clients
/// reconnect elsewhere, then in-flight requests finish and the node exits.
#[derive(Clone)]
pub struct Stopper {
    registry: Addr<Registry>,
    server: ServerHandle,
}

impl Stopper {
    pub async fn stop(&self) {
        // If the registry is already gone there are no sockets left to tell.
        let _ = self.registry.send(Shutdown).await;
        self.server.stop(true).await;
    }
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
        let id = NodeId::random();
        let name = settings.node_name.clone().unwrap_or_else(|| id.to_string());
        let node = Arc::new(NodeInfo {
            id,
            metrics: Metrics::new(&name, kind)?,
            name,
            presence_ttl: settings.presence_ttl,
            presence_events_max_members: settings.presence_events_max_members,
            limits: RateLimits::new(&settings.rate_limits),
            load: Arc::default(),
            inactivity: settings.inactivity,
            callers: Arc::default(),
            sockets: SocketSlots::new(usize::try_from(settings.max_sockets).unwrap_or(usize::MAX)),
        });
        if let Err(err) = engine.presence_clear_node(&node.name).await {
            tracing::warn!(error = %err, "stale presence of this node not cleared");
        }
        let registry = Registry::new(engine.clone(), node.clone()).start();
        analytics::start_reporting(engine.clone(), node.clone());
        let core = web::Data::new(Core::new(engine, registry.clone(), node.clone(), &settings));
        webhooks::start_worker(core.engine.clone(), node.clone(), core.webhooks);
        upkeep::start(core.engine.clone());
        let edge = http::server::Edge {
            core,
            proxies: web::Data::new(TrustedProxies(settings.trusted_proxies.clone())),
            cors_origins: settings.cors_origins.clone(),
        };
        let server = http::server::start(listener, settings.workers, edge)?;
        let stopper = Stopper {
            registry,
            server: server.handle(),
        };
        tracing::info!(host = %settings.host, port, engine = kind, node = %node.name, "listening");
        Ok(Self {
            port,
            server,
            stopper,
        })
    }

    /// What stops this node gracefully; `run_until_stopped` uses it on SIGTERM/SIGINT.
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// The bound port (useful when `CHATAPI_PORT=0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped, by a [`Stopper`] or by SIGINT/SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stopper = self.stopper;
        actix_web::rt::spawn(async move {
            if wait_for_signal().await.is_ok() {
                tracing::info!("shutting down");
                stopper.stop().await;
            }
        });
        self.server.await
    }
}

/// Resolves on SIGTERM (orchestrators) or SIGINT (Ctrl-C).
async fn wait_for_signal() -> std::io::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = terminate.recv() => Ok(()),
        result = tokio::signal::ctrl_c() => result,
    }
}
