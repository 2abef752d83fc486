//! `GET /security-events`: the calling client's audit trail, newest first.

use actix_web::web;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    core::{auth::MasterCaller, ApiError, Core},
    domain::{
        cursor::Listing,
        ids::UserId,
        page::Page,
        security_event::{EventFilter, SecurityEvent, SecurityEventKind},
        validation::Validator,
    },
    http::{
        openapi::{Faults, KeyRefusals, ValidationRefusals},
        paging::{issue, page_request},
    },
};

/// `?type=&user_id=&limit=&cursor=`, as sent: each is parsed here so a bad one is a
/// 422 naming it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListEvents {
    /// Only events of this type.
    #[serde(rename = "type")]
    #[param(value_type = Option<SecurityEventKind>)]
    kind: Option<String>,
    /// Only events about this user.
    #[param(value_type = Option<UserId>)]
    user_id: Option<String>,
    /// 1 to 200; 50 when absent.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// A previous page's `next_cursor`.
    cursor: Option<String>,
}

/// The client's audit trail, newest first.
///
/// Master key. Events are kept 90 days.
#[utoipa::path(
    get,
    path = "/api/v1/security-events",
    operation_id = "list_security_events",
    tag = "security-events",
    security(("master_key" = [])),
    params(ListEvents),
    responses(
        (status = 200, description = "A page of events", body = Page<SecurityEvent>),
        KeyRefusals,
        ValidationRefusals,
        Faults,
    )
)]
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
