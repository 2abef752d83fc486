//! Logging through `tracing`. The sink is a parameter so the binary writes to stdout
//! while the test suite captures every line and checks that no key ever appears.

use tracing::Subscriber;
use tracing_subscriber::{fmt::format::FmtSpan, fmt::MakeWriter, EnvFilter};

/// A formatting subscriber with `filter` (an `EnvFilter` directive) writing to `sink`,
/// with colours only when `ansi` (a terminal). Span closes are logged so each request
/// line carries its latency (`time.busy`).
pub fn subscriber<W>(filter: &str, sink: W, ansi: bool) -> impl Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(sink)
        .with_ansi(ansi)
        .with_span_events(FmtSpan::CLOSE)
        .finish()
}

/// Installs `subscriber` for the whole process; fails if one is installed already.
pub fn init(
    subscriber: impl Subscriber + Send + Sync,
) -> Result<(), tracing::subscriber::SetGlobalDefaultError> {
    tracing::subscriber::set_global_default(subscriber)
}
