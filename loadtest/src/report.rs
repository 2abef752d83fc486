//! The end of a run of the newer scenarios (`rest`, `login`, `get`, `rooms`,
//! `bigroom`): one figure per row, printed as a two-column table on stdout, or with
//! `--json` as one JSON object. Either way the last thing printed says whether the run
//! was clean: the line `result: clean` / `result: NOT clean: …why`, or the object's
//! `result` and `clean` fields.

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::stats::{millis, Latencies};

pub struct Report {
    /// `rest`, `rooms --redis`, …: the table's heading and the object's `scenario`.
    scenario: String,
    /// The run's parameters, shown on the heading line and as `params`.
    params: Vec<(String, Value)>,
    rows: Vec<Row>,
    /// What made the run unclean, one phrase each.
    problems: Vec<String>,
    /// Lines shown under the table (first errors, log excerpts); `notes` in JSON.
    notes: Vec<String>,
}

struct Row {
    /// The JSON field: `requests_per_sec`.
    key: String,
    /// The table's left column: `requests/s`.
    label: String,
    /// The table's right column: `12345`.
    shown: String,
    value: Value,
}

impl Report {
    pub fn new(scenario: &str) -> Self {
        Self {
            scenario: scenario.to_owned(),
            params: Vec::new(),
            rows: Vec::new(),
            problems: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn param(&mut self, key: &str, value: impl Into<Value>) {
        self.params.push((key.to_owned(), value.into()));
    }

    /// The heading line, e.g. `rest: connections=64 rooms=1 seconds=10 store=memory`.
    pub fn heading(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(key, value)| match value {
                Value::String(s) => format!("{key}={s}"),
                other => format!("{key}={other}"),
            })
            .collect();
        format!("{}: {}", self.scenario, params.join(" "))
    }

    /// One row with its own display text and JSON value.
    pub fn row(&mut self, key: &str, label: &str, shown: String, value: Value) {
        self.rows.push(Row {
            key: key.to_owned(),
            label: label.to_owned(),
            shown,
            value,
        });
    }

    pub fn count(&mut self, key: &str, label: &str, n: u64) {
        self.row(key, label, n.to_string(), json!(n));
    }

    /// A rate, shown without decimals, kept with one in JSON.
    pub fn rate(&mut self, key: &str, label: &str, per_sec: f64) {
        self.row(
            key,
            label,
            format!("{per_sec:.0}"),
            json!((per_sec * 10.0).round() / 10.0),
        );
    }

    /// A duration: `12.3 ms` in the table, `<key>_ms` as a number in JSON.
    pub fn duration(&mut self, key: &str, label: &str, d: Duration) {
        self.row(&format!("{key}_ms"), label, millis(d), json!(ms(d)));
    }

    /// Seconds: `1.23 s` in the table, `<key>_s` in JSON.
    pub fn seconds(&mut self, key: &str, label: &str, d: Duration) {
        self.row(
            &format!("{key}_s"),
            label,
            format!("{:.2} s", d.as_secs_f64()),
            json!((d.as_secs_f64() * 1e3).round() / 1e3),
        );
    }

    /// p50, p90, p99 and max of `latency`, as four rows `<key>_p50_ms` … (`no samples`
    /// and `null` when there are none).
    pub fn latency(&mut self, key: &str, label: &str, latency: &Latencies) {
        let quantiles = [("p50", 0.50), ("p90", 0.90), ("p99", 0.99)];
        for (name, q) in quantiles {
            self.optional_duration(
                &format!("{key}_{name}"),
                &format!("{label} {name}"),
                latency.quantile(q),
            );
        }
        self.optional_duration(
            &format!("{key}_max"),
            &format!("{label} max"),
            latency.max(),
        );
    }

    fn optional_duration(&mut self, key: &str, label: &str, d: Option<Duration>) {
        match d {
            Some(d) => self.duration(key, label, d),
            None => self.row(
                &format!("{key}_ms"),
                label,
                "no samples".to_owned(),
                Value::Null,
            ),
        }
    }

    /// The server's CPU time over the measured phase and per operation (`per` names
    /// it: `request`, `delivery`), or `n/a` rows when the tool did not start the server.
    pub fn cpu(&mut self, used: Option<Duration>, ops: u64, per: &str) {
        match used {
            Some(used) => {
                self.seconds("server_cpu", "server CPU (user+sys)", used);
                let micros = if ops == 0 {
                    0.0
                } else {
                    used.as_secs_f64() * 1e6 / ops as f64
                };
                self.row(
                    &format!("server_cpu_per_{per}_us"),
                    &format!("server CPU per {per}"),
                    format!("{micros:.1} µs"),
                    json!((micros * 100.0).round() / 100.0),
                );
            }
            None => self.row(
                "server_cpu_s",
                "server CPU (user+sys)",
                "n/a (--url)".to_owned(),
                Value::Null,
            ),
        }
    }

    /// The private Redis's CPU time over the measured phase, when there is one.
    pub fn redis_cpu(&mut self, used: Option<Duration>) {
        if let Some(used) = used {
            self.seconds("redis_cpu", "redis CPU (user+sys)", used);
        }
    }

    /// Makes the run unclean when `n` is not 0: `<n> <what>`.
    pub fn problem_if(&mut self, n: u64, what: &str) {
        if n > 0 {
            self.problems.push(format!("{n} {what}"));
        }
    }

    pub fn problem(&mut self, what: String) {
        self.problems.push(what);
    }

    pub fn note(&mut self, line: String) {
        self.notes.push(line);
    }

    /// Prints the table (heading, rows, notes, `result:` last) or the JSON object, and
    /// returns whether the run was clean.
    pub fn print(&self, as_json: bool) -> bool {
        let result = if self.problems.is_empty() {
            "clean".to_owned()
        } else {
            format!("NOT clean: {}", self.problems.join("; "))
        };
        if as_json {
            println!("{}", self.to_json(&result));
        } else {
            println!("{}", self.heading());
            let width = self
                .rows
                .iter()
                .map(|row| row.label.chars().count())
                .max()
                .unwrap_or(0);
            for row in &self.rows {
                let pad = width.saturating_sub(row.label.chars().count());
                println!("  {}{}  {}", row.label, " ".repeat(pad), row.shown);
            }
            for note in &self.notes {
                println!("{note}");
            }
            println!("result: {result}");
        }
        self.problems.is_empty()
    }

    fn to_json(&self, result: &str) -> Value {
        let params: Map<String, Value> = self.params.iter().cloned().collect();
        let figures: Map<String, Value> = self
            .rows
            .iter()
            .map(|row| (row.key.clone(), row.value.clone()))
            .collect();
        json!({
            "scenario": self.scenario,
            "params": params,
            "figures": figures,
            "notes": self.notes,
            "problems": self.problems,
            "clean": self.problems.is_empty(),
            "result": result,
        })
    }
}

/// Milliseconds with microsecond precision, for JSON.
fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_land_in_the_json_object_with_the_result() {
        let mut report = Report::new("rest");
        report.param("connections", 64);
        report.param("store", "memory");
        report.count("requests", "requests", 10);
        report.duration("latency_p50", "latency p50", Duration::from_micros(1500));
        report.problem_if(2, "errors");
        report.problem_if(0, "never shown");
        assert_eq!(report.heading(), "rest: connections=64 store=memory");
        let object = report.to_json("NOT clean: 2 errors");
        assert_eq!(object["figures"]["requests"], 10);
        assert_eq!(object["figures"]["latency_p50_ms"], 1.5);
        assert_eq!(object["clean"], false);
        assert_eq!(object["problems"], json!(["2 errors"]));
    }

    #[test]
    fn an_empty_histogram_gives_null_percentiles() {
        let mut report = Report::new("get");
        report.latency("latency", "latency", &Latencies::new().unwrap());
        let object = report.to_json("clean");
        assert_eq!(object["figures"]["latency_p99_ms"], Value::Null);
        assert_eq!(object["figures"]["latency_max_ms"], Value::Null);
    }
}
