//! `GET /analytics` and `GET /analytics/live`, for the calling client only.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Deserialize;

use crate::{
    core::{
        auth::MasterCaller,
        views::{AnalyticsBody, BucketBody, LiveBody, LiveTotal, NodeLoadBody},
        ApiError, Core,
    },
    domain::{
        analytics::{hour_of, HourUsage, HOUR_SECS},
        validation::Validator,
    },
};

/// The widest range of one request: a month of hours, or a year of days.
const MAX_HOURS: i64 = 31 * 24;
const MAX_DAYS: i64 = 366;

/// `?from=&to=&bucket=`, as sent.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsQuery {
    /// RFC 3339; default 24 hours (or 30 days by day) before `to`.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// RFC 3339; default now.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// `hour` (default) or `day`.
    #[param(value_type = Option<String>, pattern = "^(hour|day)$")]
    bucket: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bucket {
    Hour,
    Day,
}

impl Bucket {
    fn hours(self) -> i64 {
        match self {
            Bucket::Hour => 1,
            Bucket::Day => 24,
        }
    }
}

/// A validated range: whole buckets, first hour to last hour.
struct Range {
    bucket: Bucket,
    first_hour: i64,
    last_hour: i64,
}

impl Range {
    /// `to` defaults to now, `from` to a day (hours) or 30 days (days) before it;
    /// both are rounded out to whole buckets.
    fn parse(query: AnalyticsQuery) -> Result<Self, ApiError> {
        let mut validator = Validator::default();
        let bucket = validator.check_opt("bucket", query.bucket, |text| match text.as_str() {
            "hour" => Ok(Bucket::Hour),
            "day" => Ok(Bucket::Day),
            _ => Err("must be hour or day".to_owned()),
        });
        let to = validator.check_opt("to", query.to, parse_time);
        let from = validator.check_opt("from", query.from, parse_time);
        let (Some(bucket), Some(to), Some(from)) = (bucket, to, from) else {
            return Err(ApiError::validation(validator.into_errors()));
        };
        let bucket = bucket.unwrap_or(Bucket::Hour);
        let to = to.unwrap_or_else(Utc::now);
        let from = from.unwrap_or_else(|| match bucket {
            Bucket::Hour => to - Duration::hours(23),
            Bucket::Day => to - Duration::days(29),
        });
        let size = bucket.hours();
        let first_hour = hour_of(from).div_euclid(size) * size;
        let last_hour = hour_of(to).div_euclid(size) * size + size - 1;
        let buckets = (last_hour - first_hour + 1) / size;
        let widest = match bucket {
            Bucket::Hour => MAX_HOURS,
            Bucket::Day => MAX_DAYS,
        };
        let mut validator = Validator::default();
        validator.check(
            "from",
            if from > to {
                Err("must not be after to".to_owned())
            } else if buckets > widest {
                Err(format!("the range holds at most {widest} buckets"))
            } else {
                Ok(())
            },
        );
        let errors = validator.into_errors();
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(Self {
            bucket,
            first_hour,
            last_hour,
        })
    }
}

fn parse_time(text: String) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(&text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| "must be an RFC 3339 time (2026-01-31T00:00:00Z)".to_owned())
}

/// Sums hours into one bucket: counts add up, peaks take the highest, and a user
/// active in several hours is one active user.
fn bucket_of(start_hour: i64, hours: &[HourUsage]) -> BucketBody {
    let active: BTreeSet<_> = hours.iter().flat_map(|h| h.active.iter()).collect();
    BucketBody {
        start: Utc
            .timestamp_opt(start_hour * HOUR_SECS, 0)
            .single()
            .unwrap_or_default(),
        users: hours.iter().map(|h| h.users).sum(),
        active_users: active.len() as u64,
        rooms: hours.iter().map(|h| h.rooms).sum(),
        messages_sent: hours.iter().map(|h| h.messages_sent).sum(),
        messages_delivered: hours.iter().map(|h| h.messages_delivered).sum(),
        peak_connections: hours.iter().map(|h| h.peak_connections).max().unwrap_or(0),
    }
}

impl Core {
    pub async fn analytics(
        &self,
        caller: &MasterCaller,
        query: AnalyticsQuery,
    ) -> Result<AnalyticsBody, ApiError> {
        let range = Range::parse(query)?;
        let hours = self
            .engine
            .usage(caller.client.id, range.first_hour, range.last_hour)
            .await?;
        let size = usize::try_from(range.bucket.hours()).unwrap_or(1);
        let data = hours
            .chunks(size)
            .map(|chunk| bucket_of(chunk.first().map_or(0, |h| h.hour), chunk))
            .collect();
        Ok(AnalyticsBody {
            bucket: match range.bucket {
                Bucket::Hour => "hour",
                Bucket::Day => "day",
            },
            data,
        })
    }

    pub async fn live_analytics(&self, caller: &MasterCaller) -> Result<LiveBody, ApiError> {
        let nodes: Vec<NodeLoadBody> = self
            .engine
            .live_load(caller.client.id)
            .await?
            .into_iter()
            .map(NodeLoadBody::from)
            .collect();
        let total = LiveTotal {
            connections: nodes.iter().map(|n| n.connections).sum(),
            messages_per_sec: nodes.iter().map(|n| n.messages_per_sec).sum(),
        };
        Ok(LiveBody { nodes, total })
    }
}
