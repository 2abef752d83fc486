//! `GET /users?q=&limit=&cursor=`.

use actix_web::web;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    core::{auth::MasterCaller, views::UserBody, ApiError, Core},
    domain::{cursor::Listing, page::Page, validation::Validator},
    http::{
        openapi::{Faults, KeyRefusals, ValidationRefusals},
        paging::{issue, page_request},
    },
};

/// `?q=&limit=&cursor=`, as sent: each is parsed here so a bad one is a 422 naming it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsers {
    /// A prefix of the email or the username.
    q: Option<String>,
    /// 1 to 200; 50 when absent.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// A previous page's `next_cursor`.
    cursor: Option<String>,
}

/// The client's users.
///
/// Master key. `q` filters by email or username prefix.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    operation_id = "list_users",
    tag = "users",
    security(("master_key" = [])),
    params(ListUsers),
    responses(
        (status = 200, description = "A page of users", body = Page<UserBody>),
        KeyRefusals,
        ValidationRefusals,
        Faults,
    )
)]
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
