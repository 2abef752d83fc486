//! `GET /notifications?unread=&limit=&cursor=`: the caller's inbox, newest first.

use actix_web::web;
use serde::Deserialize;

use crate::{
    core::{auth::UserCaller, views::InboxEntryBody, ApiError, Core},
    domain::{cursor::Listing, notification::InboxFilter, page::Page, validation::Validator},
    http::paging::{issue, page_request},
};

#[derive(Debug, Deserialize)]
pub struct ListInbox {
    unread: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    caller: UserCaller,
    core: web::Data<Core>,
    query: web::Query<ListInbox>,
) -> Result<web::Json<Page<InboxEntryBody>>, ApiError> {
    let query = query.into_inner();
    let mut validator = Validator::default();
    let unread = validator.check_opt("unread", query.unread, |text| match text.as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("must be true or false".to_owned()),
    });
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
