//! The HTTP server: actix-http's HTTP/1 service over the app, built here rather than by
//! actix-web's `HttpServer` for the one hook it lacks, the upgrade. A WebSocket
//! handshake still goes through the whole app (middleware, route, authentication);
//! when the route accepts it, the socket leaves the HTTP dispatcher, whose buffers
//! would otherwise stay with it for its life, and goes to its session.

use std::{future::poll_fn, io, net::TcpListener, pin::Pin, rc::Rc, time::Duration};

use actix_codec::Framed;
use actix_http::{
    body::{self, BodySize, MessageBody},
    h1, ConnectionType, HttpService, Request, Response, StatusCode,
};
use actix_server::Server;
use actix_service::{
    fn_factory, fn_service, map_config, IntoServiceFactory, Service, ServiceFactory,
    ServiceFactoryExt,
};
use actix_web::{
    dev::{AppConfig, ServiceRequest, ServiceResponse},
    middleware::from_fn,
    web, App,
};
use tokio::net::TcpStream;
use tracing_actix_web::TracingLogger;

use super::{client_ip::TrustedProxies, cors, request_id, request_log::RedactedRootSpan};
use crate::{core::Core, ws::route::Accepted};

/// What every worker's app is built from.
#[derive(Clone)]
pub struct Edge {
    pub core: web::Data<Core>,
    pub proxies: web::Data<TrustedProxies>,
    pub cors_origins: Vec<String>,
}

/// The app: the middleware, outermost last, around the route table.
fn app(
    edge: &Edge,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(cors::layer(&edge.cors_origins))
        .wrap(from_fn(cors::documented_refusals))
        .wrap(from_fn(super::metrics::count))
        .wrap(from_fn(request_id::echo))
        .wrap(TracingLogger::<RedactedRootSpan>::new())
        .app_data(edge.core.clone())
        .app_data(edge.proxies.clone())
        .configure(super::configure)
}

/// Serves `listener` on `workers` threads, with actix-web's defaults for timeouts.
/// Signals are the caller's: `Application` first tells the sockets on SIGTERM.
pub fn start(listener: TcpListener, workers: usize, edge: Edge) -> io::Result<Server> {
    let addr = listener.local_addr()?;
    let builder = Server::build();
    let shutdown = builder.graceful_shutdown_signal();
    let server = builder
        .workers(workers)
        .disable_signals()
        .listen("chatapi", listener, move || {
            let shutdown = shutdown.clone();
            let upgrades = edge.clone();
            HttpService::build()
                // Idle keep-alive connections close at once on a graceful stop.
                .graceful_shutdown_signal(move || {
                    let shutdown = shutdown.clone();
                    async move { shutdown.notified().await }
                })
                .client_disconnect_timeout(Duration::from_secs(1))
                // Chat frames are small and latency-bound: Nagle's algorithm would hold
                // a frame written while an earlier one is unacknowledged for up to a
                // delayed-ACK (40 ms).
                .tcp_nodelay(true)
                .local_addr(addr)
                .upgrade(fn_factory(move || {
                    let app = app(&upgrades).into_factory();
                    async move {
                        let app = Rc::new(app.new_service(AppConfig::default()).await?);
                        Ok::<_, ()>(fn_service(move |(req, framed)| {
                            take_over(app.clone(), req, framed)
                        }))
                    }
                }))
                .finish(map_config(
                    app(&edge)
                        .into_factory()
                        .map_err(|err: actix_web::Error| err.error_response()),
                    |_| AppConfig::default(),
                ))
                .tcp()
        })?
        .run();
    Ok(server)
}

/// A WebSocket handshake (`Upgrade: websocket`), with its connection. The app answers it
/// as any request; a `101` from the WebSocket route is written and its socket goes to
/// the session. Any other answer is written whole, and the connection then closes.
async fn take_over<S, B>(
    app: Rc<S>,
    req: Request,
    mut framed: Framed<TcpStream, h1::Codec>,
) -> Result<(), actix_web::Error>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let response: Response<_> = match app.call(req).await {
        Ok(response) => response.map_into_boxed_body().into(),
        Err(err) => err.error_response().into(),
    };
    let (mut head, body) = response.into_parts();
    let accepted = match head.status() {
        StatusCode::SWITCHING_PROTOCOLS => head.extensions_mut().remove::<Accepted>(),
        _ => None,
    };
    if let Some(accepted) = accepted {
        write(&mut framed, h1::Message::Item((head, BodySize::None))).await?;
        // The socket is the session's from here: the dispatcher, its buffers and this
        // connection's task end now rather than live as long as the session.
        let parts = framed.into_parts();
        accepted.run(parts.io, parts.read_buf);
        return Ok(());
    }
    head.head_mut().set_connection_type(ConnectionType::Close);
    let body = body::to_bytes(body)
        .await
        .map_err(|err| io::Error::other(err.to_string()))?;
    let size = BodySize::Sized(body.len() as u64);
    write(&mut framed, h1::Message::Item((head, size))).await?;
    write(&mut framed, h1::Message::Chunk(Some(body))).await?;
    Ok(write(&mut framed, h1::Message::Chunk(None)).await?)
}

async fn write(
    framed: &mut Framed<TcpStream, h1::Codec>,
    message: h1::Message<(Response<()>, BodySize)>,
) -> io::Result<()> {
    Pin::new(&mut *framed).write(message)?;
    poll_fn(|cx| Pin::new(&mut *framed).flush::<h1::Message<(Response<()>, BodySize)>>(cx)).await
}
