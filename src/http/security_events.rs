//! `GET /security-events`: the calling client's audit trail, newest first.

use actix_web::web;
use serde::Deserialize;

use crate::{
    auth::extract::MasterCaller,
    domain::{
        ids::UserId,
        page::Page,
        security_event::{EventFilter, SecurityEvent, SecurityEventKind},
        validation::Validator,
    },
    error::ApiError,
    http::{paging::page_request, state::AppState},
};

#[derive(Debug, Deserialize)]
pub struct ListEvents {
    #[serde(rename = "type")]
    kind: Option<String>,
    user_id: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    caller: MasterCaller,
    state: web::Data<AppState>,
    query: web::Query<ListEvents>,
) -> Result<web::Json<Page<SecurityEvent>>, ApiError> {
    let query = query.into_inner();
    let mut validator = Validator::default();
    let kind = validator.check_opt("type", query.kind, |text| {
        SecurityEventKind::parse(&text).ok_or_else(|| "is not a known event type".to_owned())
    });
    let user_id = validator.check_opt("user_id", query.user_id, |text| {
        UserId::parse(&text).ok_or_else(|| "must be a user id".to_owned())
    });
    let page = page_request(&mut validator, query.limit.as_deref(), query.cursor);
    let (Some(kind), Some(user_id), Some(page)) = (kind, user_id, page) else {
        return Err(ApiError::validation(validator.into_errors()));
    };
    let filter = EventFilter { kind, user_id };
    let events = state
        .engine
        .list_events(caller.client.id, &filter, &page)
        .await?;
    Ok(web::Json(events))
}
