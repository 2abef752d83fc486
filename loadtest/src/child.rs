//! What every child process the load test starts (a node, a `redis-server`) needs:
//! a free port to listen on, the tail of its log when it fails, and its log's lines in
//! a report.

use std::{
    net::{Ipv4Addr, TcpListener},
    path::Path,
};

use anyhow::{Context, Result};

use crate::report::Report;

/// Log lines shown of a child's log at the end of a run, when it logged anything.
pub const LOG_LINES_SHOWN: usize = 10;

/// A port that was free a moment ago: bind port 0, read it, release it. Another
/// process could take it in between; the readiness wait would then fail clearly.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("cannot bind a port")?;
    Ok(listener
        .local_addr()
        .context("cannot read the bound port")?
        .port())
}

/// The last `lines` lines of the log, or a note that it could not be read.
pub fn log_tail(path: &Path, lines: usize) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            let skip = all.len().saturating_sub(lines);
            all.into_iter().skip(skip).collect::<Vec<_>>().join("\n")
        }
        Err(err) => format!("(cannot read the log: {err})"),
    }
}

/// Adds a log's lines to a report: a `<name>_log_lines` row and the first few lines as
/// notes (`server::note_log`).
pub fn note_lines(report: &mut Report, name: &str, path: &Path, lines: &[&str]) {
    let key = format!("{}_log_lines", name.replace(' ', "_"));
    report.count(&key, &format!("{name} log lines"), lines.len() as u64);
    if !lines.is_empty() {
        report.note(format!(
            "{name} log: {} lines ({})",
            lines.len(),
            path.display()
        ));
        for line in lines.iter().take(LOG_LINES_SHOWN) {
            report.note(format!("  | {line}"));
        }
    }
}
