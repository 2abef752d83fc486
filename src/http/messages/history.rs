//! `GET /rooms/{id}/messages?before_seq=&after_seq=&limit=`: newest first with
//! `before_seq` (the default, from the newest), oldest first with `after_seq`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::{
    actors::room::RoomCommand,
    auth::extract::Caller,
    domain::{message::HistoryRange, page::DEFAULT_LIMIT, validation::Validator},
    error::ApiError,
    http::{
        paging::parse_limit,
        rooms::{execute, respond, room_id},
        state::AppState,
    },
};

#[derive(Debug, Deserialize)]
pub struct History {
    before_seq: Option<String>,
    after_seq: Option<String>,
    limit: Option<String>,
}

pub async fn history(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<History>,
) -> Result<HttpResponse, ApiError> {
    let room = room_id(&id)?;
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
    let command = RoomCommand::History {
        range,
        limit: limit.unwrap_or(DEFAULT_LIMIT),
    };
    Ok(respond(execute(&state, room, caller, command).await?))
}
