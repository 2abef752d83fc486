//! `GET /notifications?unread=&limit=&cursor=`: the caller's inbox, newest first.

use actix_web::web;
use serde::Deserialize;

use crate::{
    core::{auth::UserCaller, views::InboxEntryBody, ApiError, Core},
    domain::{
        notification::{is_inbox_cursor, InboxFilter},
        page::Page,
        validation::Validator,
    },
    http::paging::page_request,
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
    // A cursor this listing never issued is refused, not read as a position (§3).
    let cursor = validator.check_opt("cursor", query.cursor, |cursor| {
        if cursor.is_empty() || is_inbox_cursor(&cursor) {
            Ok(cursor)
        } else {
            Err("is not a cursor this listing issued".to_owned())
        }
    });
    let page =
        cursor.and_then(|cursor| page_request(&mut validator, query.limit.as_deref(), cursor));
    let (Some(unread), Some(page)) = (unread, page) else {
        return Err(ApiError::validation(validator.into_errors()));
    };
    let filter = InboxFilter {
        unread_only: unread.unwrap_or(false),
    };
    Ok(web::Json(core.inbox(&caller, filter, &page).await?))
}
