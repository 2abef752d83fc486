//! `GET /users?q=&limit=&cursor=`.

use actix_web::web;
use serde::Deserialize;

use crate::{
    core::{auth::MasterCaller, views::UserBody, ApiError, Core},
    domain::{cursor::Listing, page::Page, validation::Validator},
    http::paging::{issue, page_request},
};

#[derive(Debug, Deserialize)]
pub struct ListUsers {
    q: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    caller: MasterCaller,
    core: web::Data<Core>,
    query: web::Query<ListUsers>,
) -> Result<web::Json<Page<UserBody>>, ApiError> {
    let query = query.into_inner();
    let mut validator = Validator::default();
    let Some(page) = page_request(
        &mut validator,
        Listing::Users,
        query.limit.as_deref(),
        query.cursor,
    ) else {
        return Err(ApiError::validation(validator.into_errors()));
    };
    let users = core.list_users(&caller, query.q.as_deref(), &page).await?;
    Ok(web::Json(issue(Listing::Users, users)))
}
