//! The `limit` and `cursor` query parameters every list takes (`API.md` §3).

use serde::Deserialize;

use crate::{
    core::ApiError,
    domain::{
        page::{PageRequest, DEFAULT_LIMIT, MAX_LIMIT},
        validation::Validator,
    },
};

/// `?limit=&cursor=`, as sent; lists with more parameters read these two alongside.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

impl PageQuery {
    pub fn page(self) -> Result<PageRequest, ApiError> {
        let mut validator = Validator::default();
        page_request(&mut validator, self.limit.as_deref(), self.cursor)
            .ok_or_else(|| ApiError::validation(validator.into_errors()))
    }
}

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
