//! `GET /rooms/{id}/messages?before_seq=&after_seq=&limit=&cursor=`: newest first with
//! `before_seq` (the default, from the newest), oldest first with `after_seq`; a
//! page's `next_cursor`, sent back as `cursor`, goes on in the same direction (and
//! takes the place of the `seq` the first page was asked with).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::{
    core::{auth::Caller, messages::History, ApiError, Core},
    domain::{cursor::Listing, message::HistoryRange, page::DEFAULT_LIMIT, validation::Validator},
    http::{
        answer::{ok, room_id},
        paging::{issue, parse_limit, redeem},
    },
};

#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    before_seq: Option<String>,
    after_seq: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

pub async fn history(
    caller: Caller,
    core: web::Data<Core>,
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let room_id = room_id(&id)?;
    let query = query.into_inner();
    let mut validator = Validator::default();
    let seq = |text: String| {
        text.parse::<u64>()
            .map_err(|_| "must be a whole number".to_owned())
    };
    let before = validator.check_opt("before_seq", query.before_seq, seq);
    let after = validator.check_opt("after_seq", query.after_seq, seq);
    let limit = validator.check_opt("limit", query.limit.as_deref(), parse_limit);
    let cursor = redeem(&mut validator, Listing::History, query.cursor);
    let range = match (before, after, cursor) {
        (Some(before), Some(after), Some(cursor)) => window(&mut validator, before, after, cursor),
        _ => None,
    };
    let (Some(range), Some(limit)) = (range, limit) else {
        return Err(ApiError::validation(validator.into_errors()));
    };
    let command = History {
        room_id,
        range,
        limit: limit.unwrap_or(DEFAULT_LIMIT),
    };
    Ok(ok(issue(
        Listing::History,
        core.run(caller, command).await?,
    )))
}

/// The window asked for: a cursor's, or else by at most one of the two `seq`s. A
/// cursor holds its direction and its place, so it supersedes the `seq` the first page
/// was asked with, and a client can append it to the path it started from.
fn window(
    validator: &mut Validator,
    before: Option<u64>,
    after: Option<u64>,
    cursor: Option<String>,
) -> Option<HistoryRange> {
    let refuse = |validator: &mut Validator, field: &str, why: &str| {
        validator.check::<HistoryRange>(field, Err(why.to_owned()))
    };
    match (before, after, cursor) {
        (_, _, Some(position)) => match HistoryRange::from_position(&position) {
            Some(range) => Some(range),
            None => refuse(validator, "cursor", "is not a cursor this list gave out"),
        },
        (Some(_), Some(_), None) => refuse(
            validator,
            "after_seq",
            "give before_seq or after_seq, not both",
        ),
        (before, None, None) => Some(HistoryRange::Before(before.unwrap_or(u64::MAX))),
        (None, Some(after), None) => Some(HistoryRange::After(after)),
    }
}
