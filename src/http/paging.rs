//! The `limit` and `cursor` query parameters every list takes (`API.md` §3).

use crate::domain::{
    page::{PageRequest, DEFAULT_LIMIT, MAX_LIMIT},
    validation::Validator,
};

/// Parses `limit` (1..=200, default 50) and keeps `cursor` as given.
pub fn page_request(
    validator: &mut Validator,
    limit: Option<&str>,
    cursor: Option<String>,
) -> Option<PageRequest> {
    let limit = validator.check_opt("limit", limit, parse_limit)?;
    Some(PageRequest {
        limit: limit.unwrap_or(DEFAULT_LIMIT),
        cursor: cursor.filter(|c| !c.is_empty()),
    })
}

/// A page size: 1 to 200.
pub fn parse_limit(text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| format!("must be a whole number from 1 to {MAX_LIMIT}"))
}
