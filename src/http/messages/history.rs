//! `GET /rooms/{id}/messages?before_seq=&after_seq=&limit=`: newest first with
//! `before_seq` (the default, from the newest), oldest first with `after_seq`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::{
    core::{auth::Caller, messages::History, ApiError, Core},
    domain::{message::HistoryRange, page::DEFAULT_LIMIT, validation::Validator},
    http::{
        answer::{ok, room_id},
        paging::parse_limit,
    },
};

#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    before_seq: Option<String>,
    after_seq: Option<String>,
    limit: Option<String>,
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
    let range = match (before, after) {
        (Some(Some(_)), Some(Some(_))) => {
            validator.check::<()>(
                "after_seq",
                Err("give before_seq or after_seq, not both".into()),
            );
            None
        }
        (Some(before), Some(None)) => Some(HistoryRange::Before(before.unwrap_or(u64::MAX))),
        (Some(None), Some(Some(after))) => Some(HistoryRange::After(after)),
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
    Ok(ok(core.run(caller, command).await?))
}
