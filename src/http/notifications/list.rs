//! `GET /notifications?unread=&limit=&cursor=`: the caller's inbox, newest first.

use actix_web::web;
use serde::Deserialize;

use crate::{
    core::{auth::UserCaller, views::InboxEntryBody, ApiError, Core},
    domain::{cursor::Listing, notification::InboxFilter, page::Page, validation::Validator},
    http::{
        openapi::{Faults, KeyRefusals, ValidationRefusals},
        paging::{issue, page_request, parse_flag},
    },
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListInbox {
    /// `true` lists unread entries only.
    #[param(value_type = Option<bool>)]
    unread: Option<String>,
    /// 1 to 200; 50 when absent.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// A previous page's `next_cursor`.
    cursor: Option<String>,
}

/// The caller's inbox, newest first.
///
/// Scoped key: the user's own notifications.
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    operation_id = "list_notifications",
    tag = "notifications",
    security(("scoped_key" = [])),
    params(ListInbox),
    responses(
        (status = 200, description = "A page of inbox entries", body = Page<InboxEntryBody>),
        KeyRefusals,
        ValidationRefusals,
        Faults,
    )
)]
pub async fn list(
    caller: UserCaller,
    core: web::Data<Core>,
    query: web::Query<ListInbox>,
) -> Result<web::Json<Page<InboxEntryBody>>, ApiError> {
    let query = query.into_inner();
    let mut validator = Validator::default();
    let unread = validator.check_opt("unread", query.unread.as_deref(), parse_flag);
    let page = page_request(
        &mut validator,
        Listing::Notifications,
        query.limit.as_deref(),
        query.cursor,
    );
    let (Some(unread), Some(page)) = (unread, page) else {
        return Err(ApiError::validation(validator.into_errors()));
    };
    let filter = InboxFilter {
        unread_only: unread.unwrap_or(false),
    };
    let inbox = core.inbox(&caller, filter, &page).await?;
    Ok(web::Json(issue(Listing::Notifications, inbox)))
}
