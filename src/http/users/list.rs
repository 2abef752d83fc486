//! `GET /users`: the client's users, oldest first, optionally by email/username prefix.

use actix_web::web;
use serde::Deserialize;

use super::UserBody;
use crate::{
    auth::extract::MasterCaller,
    domain::{page::Page, user::UserFilter, validation::Validator},
    error::ApiError,
    http::{paging::page_request, state::AppState},
};

#[derive(Debug, Deserialize)]
pub struct ListUsers {
    q: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    caller: MasterCaller,
    state: web::Data<AppState>,
    query: web::Query<ListUsers>,
) -> Result<web::Json<Page<UserBody>>, ApiError> {
    let query = query.into_inner();
    let mut validator = Validator::default();
    let Some(page) = page_request(&mut validator, query.limit.as_deref(), query.cursor) else {
        return Err(ApiError::validation(validator.into_errors()));
    };
    let filter = UserFilter::new(query.q.as_deref());
    let users = state
        .engine
        .list_users(caller.client.id, &filter, &page)
        .await?;
    Ok(web::Json(users.map(UserBody::from)))
}
