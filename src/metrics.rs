//! What a node counts, for `GET /metrics` (Prometheus text format).
//!
//! Every series is a handle of the `prometheus` crate, made once at start-up: the hot
//! paths only add to an atomic, with no lock, lookup or allocation. Labelled families
//! (by limit, by transport) are resolved to their handles here, once. Each node keeps
//! its own registry, labelled with its node name, so several nodes in one process (the
//! test suite) stay apart; the process collector and the store latency describe the
//! whole process and are shared.

use std::{cell::RefCell, collections::HashMap, sync::LazyLock};

use prometheus::{
    core::Collector, Encoder, Histogram, HistogramOpts, HistogramTimer, HistogramVec, IntCounter,
    IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// Latency buckets for work that takes microseconds to a second.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5,
];

/// Batch-size buckets: powers of two up to the largest batches a room sees.
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// Store round trips by operation (the engine method that made the call). Process-wide:
/// the engine has no node of its own to report to.
pub static STORE_LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    let opts = HistogramOpts::new(
        "chatapi_store_seconds",
        "Store (Redis) round trips by operation",
    )
    .buckets(LATENCY_BUCKETS.to_vec());
    HistogramVec::new(opts, &["op"]).unwrap_or_else(|err| unreachable!("static metric: {err}"))
});

thread_local! {
    /// Each thread's handles into [`STORE_LATENCY`], so timing a store call takes no
    /// lock: the family's own label lookup does.
    static STORE_HANDLES: RefCell<HashMap<&'static str, Histogram>> = RefCell::new(HashMap::new());
}

/// Starts timing one store call of operation `op`; the time is recorded on drop.
pub fn time_store(op: &'static str) -> HistogramTimer {
    STORE_HANDLES.with(|handles| {
        handles
            .borrow_mut()
            .entry(op)
            .or_insert_with(|| STORE_LATENCY.with_label_values(&[op]))
            .start_timer()
    })
}

/// One node's series.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Open WebSocket sessions on this node.
    pub connections: IntGauge,
    /// Rooms with at least one local session.
    pub rooms_local: IntGauge,
    /// Messages accepted over REST.
    pub messages_rest: IntCounter,
    /// Messages accepted over WebSocket.
    pub messages_ws: IntCounter,
    /// Frames handed to local sessions.
    pub deliveries: IntCounter,
    /// From a room event being ready (appended) to its last local session handed it.
    pub fanout_latency: Histogram,
    /// Sends per group commit of a room: how much batching a load gets.
    pub send_batch_size: Histogram,
    /// Times the subscriber connection came back after a drop.
    pub pubsub_reconnects: IntCounter,
    /// Missed messages (a seq gap) a room filled from the store.
    pub gaps_repaired: IntCounter,
    /// Sessions closed with 4009 for reading too slowly.
    pub slow_consumer_closes: IntCounter,
    /// Refusals by a rate limit, one handle per limit.
    pub refused: RefusedByLimit,
    http_requests: IntCounterVec,
}

/// The `chatapi_rate_limited_total` handle of each limit of API.md §8.
#[derive(Clone)]
pub struct RefusedByLimit {
    pub messages: IntCounter,
    pub logins: IntCounter,
    pub ws_connects: IntCounter,
    pub auth_failures: IntCounter,
}

impl Metrics {
    /// A node's registry, every series labelled `node=<name>`, with the process and
    /// store series beside its own.
    pub fn new(node: &str, engine: &str) -> Result<Self, prometheus::Error> {
        let labels = HashMap::from([("node".to_owned(), node.to_owned())]);
        let registry = Registry::new_custom(None, Some(labels))?;
        let info = IntGauge::with_opts(
            Opts::new("chatapi_node_info", "This node; always 1").const_label("engine", engine),
        )?;
        info.set(1);
        register(&registry, info)?;
        register(
            &registry,
            prometheus::process_collector::ProcessCollector::for_self(),
        )?;
        register(&registry, STORE_LATENCY.clone())?;
        let messages = IntCounterVec::new(
            Opts::new(
                "chatapi_messages_in_total",
                "Messages accepted, by transport",
            ),
            &["transport"],
        )?;
        let refused = IntCounterVec::new(
            Opts::new(
                "chatapi_rate_limited_total",
                "Requests refused by a rate limit, by limit",
            ),
            &["limit"],
        )?;
        let http_requests = IntCounterVec::new(
            Opts::new(
                "chatapi_http_requests_total",
                "HTTP requests, by route pattern and status",
            ),
            &["route", "status"],
        )?;
        let metrics = Self {
            connections: IntGauge::new("chatapi_ws_connections", "Open WebSocket sessions")?,
            rooms_local: IntGauge::new(
                "chatapi_rooms_local",
                "Rooms with at least one session on this node",
            )?,
            messages_rest: messages.with_label_values(&["rest"]),
            messages_ws: messages.with_label_values(&["ws"]),
            deliveries: IntCounter::new(
                "chatapi_deliveries_total",
                "Frames handed to local WebSocket sessions",
            )?,
            fanout_latency: Histogram::with_opts(
                HistogramOpts::new(
                    "chatapi_fanout_seconds",
                    "From a room event being stored to its last local session handed it",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
            )?,
            send_batch_size: Histogram::with_opts(
                HistogramOpts::new(
                    "chatapi_send_batch_size",
                    "Sends committed together by a room (one store round trip per batch)",
                )
                .buckets(BATCH_BUCKETS.to_vec()),
            )?,
            pubsub_reconnects: IntCounter::new(
                "chatapi_pubsub_reconnects_total",
                "Times the pub/sub subscriber came back after a drop",
            )?,
            gaps_repaired: IntCounter::new(
                "chatapi_gaps_repaired_total",
                "Cross-node seq gaps a room filled by reading the store",
            )?,
            slow_consumer_closes: IntCounter::new(
                "chatapi_slow_consumer_closes_total",
                "Sessions closed with 4009 for reading too slowly",
            )?,
            refused: RefusedByLimit {
                messages: refused.with_label_values(&["messages"]),
                logins: refused.with_label_values(&["logins"]),
                ws_connects: refused.with_label_values(&["ws_connects"]),
                auth_failures: refused.with_label_values(&["auth_failures"]),
            },
            http_requests: http_requests.clone(),
            registry,
        };
        for collector in [
            Box::new(metrics.connections.clone()) as Box<dyn Collector>,
            Box::new(metrics.rooms_local.clone()),
            Box::new(messages),
            Box::new(metrics.deliveries.clone()),
            Box::new(metrics.fanout_latency.clone()),
            Box::new(metrics.send_batch_size.clone()),
            Box::new(metrics.pubsub_reconnects.clone()),
            Box::new(metrics.gaps_repaired.clone()),
            Box::new(metrics.slow_consumer_closes.clone()),
            Box::new(refused),
            Box::new(http_requests),
        ] {
            metrics.registry.register(collector)?;
        }
        Ok(metrics)
    }

    /// Counts one HTTP request by its route pattern (never the raw path, which would
    /// make a series per id) and status.
    pub fn http_request(&self, route: &str, status: &str) {
        self.http_requests.with_label_values(&[route, status]).inc();
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut text = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut text)?;
        String::from_utf8(text).map_err(|err| prometheus::Error::Msg(err.to_string()))
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

fn register(
    registry: &Registry,
    collector: impl Collector + 'static,
) -> Result<(), prometheus::Error> {
    registry.register(Box::new(collector))
}
