//! `PUT /users/profile`: the calling user edits its own name, username or metadata.

use actix_web::web;
use serde::Deserialize;

use super::{UserBody, UserChanges};
use crate::{
    auth::extract::UserCaller,
    error::ApiError,
    http::{json::Json, state::AppState},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfile {
    full_name: Option<String>,
    username: Option<String>,
    metadata: Option<serde_json::Value>,
}

#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn profile(
    caller: UserCaller,
    state: web::Data<AppState>,
    body: Json<UpdateProfile>,
) -> Result<web::Json<UserBody>, ApiError> {
    let Json(body) = body;
    let changes = UserChanges::parse(body.full_name, body.username, body.metadata, None)?;
    let (_, after) = changes.save(&state, caller.user).await?;
    Ok(web::Json(after.into()))
}
