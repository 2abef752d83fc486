//! `GET /users/{id}`: one user of the calling client.

use actix_web::web;

use super::{client_user, UserBody};
use crate::{auth::extract::MasterCaller, error::ApiError, http::state::AppState};

pub async fn read(
    caller: MasterCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<UserBody>, ApiError> {
    let user = client_user(&state, caller.client.id, &id).await?;
    Ok(web::Json(user.into()))
}
