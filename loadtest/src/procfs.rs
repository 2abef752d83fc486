//! What `/proc` tells about a server the tool started: the CPU time it has used and
//! its resident memory. Linux only, read as text; no `unsafe`, no `libc`.

use std::time::Duration;

use anyhow::{bail, Context, Result};

/// Clock ticks per second of `/proc/<pid>/stat`'s `utime` and `stime`. The kernel
/// reports them in USER_HZ, which is 100 on every Linux architecture the tool runs
/// on (`getconf CLK_TCK` says 100); it is assumed rather than read through `sysconf`,
/// which would need `libc` and `unsafe`.
const USER_HZ: u64 = 100;

/// User plus system CPU time the process has used so far (its own threads; children
/// are not counted, and the server has none). Resolution 10 ms.
pub fn cpu_time(pid: u32) -> Result<Duration> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    parse_cpu_time(&text).with_context(|| format!("unexpected contents of {path}"))
}

/// `pid (comm) state ppid … utime stime …`: `comm` may hold spaces and parentheses,
/// so the fields are counted from the last `)`. After it, `state` is the first field
/// and `utime`, `stime` the 12th and 13th (fields 14 and 15 of `proc(5)`).
fn parse_cpu_time(stat: &str) -> Result<Duration> {
    let Some((_, rest)) = stat.rsplit_once(')') else {
        bail!("no `)` after the command name");
    };
    let mut fields = rest.split_whitespace().skip(11);
    let mut tick = || -> Result<u64> {
        fields
            .next()
            .context("too few fields")?
            .parse::<u64>()
            .context("a CPU time is not a number")
    };
    let ticks = tick()?.saturating_add(tick()?);
    Ok(Duration::from_millis(ticks.saturating_mul(1000 / USER_HZ)))
}

/// Resident set size in bytes (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_bytes(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    parse_rss(&text).with_context(|| format!("no VmRSS line in {path}"))
}

/// `VmRSS:     12345 kB`.
fn parse_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib.saturating_mul(1024))
}

/// CPU time of several processes at one moment, to take differences over a phase.
pub struct CpuMeter {
    pids: Vec<u32>,
    start: Duration,
}

impl CpuMeter {
    /// Starts counting now; `None` without a process to watch (a `--url` run).
    pub fn start(pids: &[u32]) -> Result<Option<Self>> {
        if pids.is_empty() {
            return Ok(None);
        }
        let start = total(pids)?;
        Ok(Some(Self {
            pids: pids.to_vec(),
            start,
        }))
    }

    /// CPU time the processes used since `start`.
    pub fn used(&self) -> Result<Duration> {
        Ok(total(&self.pids)?.saturating_sub(self.start))
    }
}

fn total(pids: &[u32]) -> Result<Duration> {
    pids.iter()
        .try_fold(Duration::ZERO, |sum, &pid| Ok(sum + cpu_time(pid)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_counted_from_the_last_parenthesis() {
        let stat = "4242 (chat api) (x)) S 1 4242 4242 0 -1 4194560 3000 0 0 0 \
                    250 75 0 0 20 0 9 0 12345 1000000 2000 18446744073709551615";
        assert_eq!(parse_cpu_time(stat).unwrap(), Duration::from_millis(3250));
        assert!(parse_cpu_time("4242 chatapi S 1").is_err());
    }

    #[test]
    fn rss_is_read_in_kib() {
        let status = "Name:\tchatapi\nVmPeak:\t  9000 kB\nVmRSS:\t   12345 kB\nThreads:\t9\n";
        assert_eq!(parse_rss(status), Some(12345 * 1024));
        assert_eq!(parse_rss("Name:\tx\n"), None);
    }

    #[test]
    fn this_process_can_be_read() {
        let pid = std::process::id();
        cpu_time(pid).unwrap();
        assert!(rss_bytes(pid).unwrap() > 0);
    }
}
