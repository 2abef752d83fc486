//! Cursor paging, the shape every list shares (`API.md` §3).

use serde::Serialize;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

/// One page to fetch: at most `limit` items after the opaque `cursor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: usize,
    /// Where the listing resumes: a position its engine wrote, which callers only
    /// ever see wrapped in a cursor (`domain::cursor`).
    pub cursor: Option<String>,
}

/// `{"data": [...], "next_cursor": "..." | null}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            data: self.data.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// A sort key that orders records by time (to the nanosecond, zero-padded so text
/// order is time order), ties broken by id. Lists use it as their cursor.
pub fn order_key(at: chrono::DateTime<chrono::Utc>, id: impl std::fmt::Display) -> String {
    let nanos = at.timestamp_nanos_opt().unwrap_or(i64::MAX);
    format!("{nanos:020}:{id}")
}
