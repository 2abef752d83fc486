//! `GET /security-events`: the calling client's audit trail, newest first.

use actix_web::web;
use serde::Deserialize;

use crate::{
    core::{auth::MasterCaller, ApiError, Core},
    domain::{
        cursor::Listing,
        ids::UserId,
        page::Page,
        security_event::{EventFilter, SecurityEvent, SecurityEventKind},
        validation::Validator,
    },
    http::paging::{issue, page_request},
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
    core: web::Data<Core>,
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
    let page = page_request(
        &mut validator,
        Listing::SecurityEvents,
        query.limit.as_deref(),
        query.cursor,
    );
    let (Some(kind), Some(user_id), Some(page)) = (kind, user_id, page) else {
        return Err(ApiError::validation(validator.into_errors()));
    };
    let filter = EventFilter { kind, user_id };
    let events = core.security_events(&caller, &filter, &page).await?;
    Ok(web::Json(issue(Listing::SecurityEvents, events)))
}
