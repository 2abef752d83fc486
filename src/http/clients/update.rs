//! `PATCH /clients/me`: renames or re-describes the calling client application.

use actix_web::web;
use chrono::Utc;
use serde::Deserialize;

use super::ClientBody;
use crate::{
    auth::extract::MasterCaller,
    domain::validation::{parse_description, parse_name, Validator},
    error::ApiError,
    http::{json::Json, state::AppState},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateClient {
    name: Option<String>,
    description: Option<String>,
}

#[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
pub async fn update(
    caller: MasterCaller,
    state: web::Data<AppState>,
    body: Json<UpdateClient>,
) -> Result<web::Json<ClientBody>, ApiError> {
    let Json(body) = body;
    let mut validator = Validator::default();
    let name = validator.check_opt("name", body.name, parse_name);
    let description = validator.check_opt("description", body.description, parse_description);
    let (Some(name), Some(description)) = (name, description) else {
        return Err(ApiError::validation(validator.into_errors()));
    };
    let mut client = caller.client;
    if let Some(name) = name {
        client.name = name;
    }
    if let Some(description) = description {
        client.description = Some(description);
    }
    client.updated_at = Utc::now();
    state.engine.update_client(&client).await?;
    Ok(web::Json(client.into()))
}
