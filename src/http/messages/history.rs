//! `GET /rooms/{id}/messages?before_seq=&after_seq=&limit=&cursor=`: newest first with
//! `before_seq` (the default, from the newest), oldest first with `after_seq`; a
//! page's `next_cursor`, sent back as `cursor`, goes on in the same direction (and
//! takes the place of the `seq` the first page was asked with).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    core::{auth::Caller, error::ErrorBody, messages::History, views::MessageBody, ApiError, Core},
    domain::{
        cursor::Listing,
        ids::RoomId,
        message::HistoryRange,
        page::{Page, DEFAULT_LIMIT},
        validation::Validator,
    },
    http::{
        answer::{ok, room_id},
        openapi::{Faults, KeyRefusals, ValidationRefusals},
        paging::{issue, parse_limit, redeem},
    },
};

/// `?before_seq=&after_seq=&limit=&cursor=`, as sent: each is parsed here so a bad one
/// is a 422 naming it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Messages with a lower `seq`, newest first.
    #[param(value_type = Option<u64>, minimum = 0)]
    before_seq: Option<String>,
    /// Messages with a higher `seq`, oldest first.
    #[param(value_type = Option<u64>, minimum = 0)]
    after_seq: Option<String>,
    /// 1 to 200; 50 when absent.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// A previous page's `next_cursor`; it replaces `before_seq` / `after_seq`.
    cursor: Option<String>,
}

/// A room's messages.
///
/// Master key, or the scoped key of a member. Newest first with `before_seq` (the
/// default, from the newest), oldest first with `after_seq`; give at most one. A page's
/// `next_cursor`, sent back as `cursor`, goes on in the same direction.
#[utoipa::path(
    get,
    path = "/api/v1/rooms/{id}/messages",
    operation_id = "room_history",
    tag = "messages",
    security(("master_key" = []), ("scoped_key" = [])),
    params(("id" = RoomId, Path, description = "The room's id"), HistoryQuery),
    responses(
        (status = 200, description = "A page of messages", body = Page<MessageBody>),
        (status = 404, description = "`ROOM_NOT_FOUND`: no such room, or another client's",
            body = ErrorBody),
        KeyRefusals,
        ValidationRefusals,
        Faults,
    )
)]
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
