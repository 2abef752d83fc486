//! The `limit` and `cursor` query parameters every list takes (`API.md` §3), and the
//! cursors it answers with. A cursor is redeemed here, at the edge, into the position
//! the core and the store read, and every position leaving in a page is issued as a
//! cursor here (`domain::cursor`); so a cursor the list did not issue is refused with
//! 422 before anything is read.

use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    core::ApiError,
    domain::{
        cursor::Listing,
        page::{Page, PageRequest, DEFAULT_LIMIT, MAX_LIMIT},
        validation::Validator,
    },
};

/// `?limit=&cursor=`, as sent; lists with more parameters read these two alongside.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 200; 50 when absent.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// A previous page's `next_cursor`.
    cursor: Option<String>,
}

impl PageQuery {
    pub fn page(self, listing: Listing) -> Result<PageRequest, ApiError> {
        let mut validator = Validator::default();
        page_request(&mut validator, listing, self.limit.as_deref(), self.cursor)
            .ok_or_else(|| ApiError::validation(validator.into_errors()))
    }
}

/// Parses `limit` (1..=200, default 50) and redeems `cursor` (see [`redeem`]).
pub fn page_request(
    validator: &mut Validator,
    listing: Listing,
    limit: Option<&str>,
    cursor: Option<String>,
) -> Option<PageRequest> {
    let limit = validator.check_opt("limit", limit, parse_limit);
    let cursor = redeem(validator, listing, cursor);
    Some(PageRequest {
        limit: limit?.unwrap_or(DEFAULT_LIMIT),
        cursor: cursor?,
    })
}

/// The position of a `cursor` that `listing` issued; an empty one counts as absent,
/// anything else it did not issue is a failure of the field `cursor`.
pub fn redeem(
    validator: &mut Validator,
    listing: Listing,
    cursor: Option<String>,
) -> Option<Option<String>> {
    let cursor = cursor.filter(|c| !c.is_empty());
    validator.check_opt("cursor", cursor, |cursor| {
        listing
            .redeem(&cursor)
            .ok_or_else(|| "is not a cursor this list gave out".to_owned())
    })
}

/// The page as callers see it: its next position issued as `listing`'s cursor.
pub fn issue<T>(listing: Listing, page: Page<T>) -> Page<T> {
    Page {
        next_cursor: page.next_cursor.map(|position| listing.issue(&position)),
        data: page.data,
    }
}

/// A list's yes/no filter (`?unread=`, `?include_inactive=`): `true` or `false`.
pub fn parse_flag(text: &str) -> Result<bool, String> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("must be true or false".to_owned()),
    }
}

/// A page size: 1 to 200.
pub fn parse_limit(text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| format!("must be a whole number from 1 to {MAX_LIMIT}"))
}
