//! Latency figures. An HDR histogram keeps every percentile within 0.1 % in a fixed
//! size whatever the sample count (a few hundred kilobytes for 1 ns..1 min).

use std::time::Duration;

use anyhow::{Context, Result};
use hdrhistogram::Histogram;

/// Largest latency the histogram can hold: one minute, longer than any deadline here,
/// so a sample is never clipped.
const MAX_NANOS: u64 = 60_000_000_000;
/// Significant decimal digits kept: 3 gives 0.1 % resolution.
const SIGFIG: u8 = 3;

/// Latencies in nanoseconds.
pub struct Latencies {
    histogram: Histogram<u64>,
}

impl Latencies {
    pub fn new() -> Result<Self> {
        let histogram = Histogram::new_with_bounds(1, MAX_NANOS, SIGFIG)
            .context("cannot allocate the latency histogram")?;
        Ok(Self { histogram })
    }

    /// Records one sample; values outside 1 ns..=1 min are clamped to the bounds (a
    /// zero can happen with a coarse clock, and is as good as 1 ns here).
    pub fn record(&mut self, sample: Duration) {
        let nanos = u64::try_from(sample.as_nanos()).unwrap_or(MAX_NANOS);
        self.histogram.saturating_record(nanos.clamp(1, MAX_NANOS));
    }

    /// Adds every sample of `other` (same bounds, so it cannot fail in practice).
    pub fn merge(&mut self, other: &Latencies) -> Result<()> {
        self.histogram
            .add(&other.histogram)
            .context("cannot merge latency histograms")
    }

    /// The sample at quantile `q` (0.0..=1.0), or `None` without samples.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        (!self.histogram.is_empty())
            .then(|| Duration::from_nanos(self.histogram.value_at_quantile(q)))
    }

    /// The largest sample, or `None` without samples.
    pub fn max(&self) -> Option<Duration> {
        (!self.histogram.is_empty()).then(|| Duration::from_nanos(self.histogram.max()))
    }

    /// `p50=0.84 ms p99=3.1 ms max=12.4 ms`, or `no samples`.
    pub fn summary(&self) -> String {
        if self.histogram.is_empty() {
            return "no samples".to_owned();
        }
        let at = |q: f64| Duration::from_nanos(self.histogram.value_at_quantile(q));
        format!(
            "p50={} p99={} max={}",
            millis(at(0.50)),
            millis(at(0.99)),
            millis(Duration::from_nanos(self.histogram.max())),
        )
    }
}

/// Milliseconds with three significant digits (`0.842 ms`, `3.10 ms`, `12.4 ms`,
/// `1234 ms`): enough to compare runs without pretending to more precision.
pub fn millis(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 1.0 {
        format!("{ms:.3} ms")
    } else if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// Seconds with two decimals, as the setup and window figures use.
pub fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_recorded_samples() {
        let mut a = Latencies::new().unwrap();
        for i in 1..=99 {
            a.record(Duration::from_micros(i * 10));
        }
        a.record(Duration::from_millis(50));
        let summary = a.summary();
        assert!(
            summary.starts_with("p50=0.500 ms p99=0.990 ms"),
            "{summary}"
        );
        assert!(summary.ends_with("max=50.0 ms"), "{summary}");
    }

    #[test]
    fn an_empty_histogram_says_so() {
        assert_eq!(Latencies::new().unwrap().summary(), "no samples");
    }

    #[test]
    fn out_of_range_samples_are_clamped_not_lost() {
        let mut l = Latencies::new().unwrap();
        l.record(Duration::ZERO);
        l.record(Duration::from_secs(3600));
        assert_eq!(l.histogram.len(), 2);
    }

    #[test]
    fn millis_keep_three_significant_digits() {
        assert_eq!(millis(Duration::from_micros(842)), "0.842 ms");
        assert_eq!(millis(Duration::from_micros(3100)), "3.10 ms");
        assert_eq!(millis(Duration::from_micros(12_400)), "12.4 ms");
        assert_eq!(millis(Duration::from_millis(1234)), "1234 ms");
        assert_eq!(secs(Duration::from_millis(10_030)), "10.03 s");
    }
}
