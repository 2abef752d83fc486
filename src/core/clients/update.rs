//! `PATCH /clients/me`: renames or re-describes the calling client application.

use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    core::{auth::MasterCaller, views::ClientBody, ApiError, Core},
    domain::validation::{parse_description, parse_name, Validator},
};

/// The editable fields of a client, as sent; absent ones stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientChangeFields {
    #[schema(min_length = 1, max_length = 100)]
    name: Option<String>,
    #[schema(max_length = 1000)]
    description: Option<String>,
}

impl Core {
    #[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
    pub async fn update_client(
        &self,
        caller: MasterCaller,
        fields: ClientChangeFields,
    ) -> Result<ClientBody, ApiError> {
        let mut validator = Validator::default();
        let name = validator.check_opt("name", fields.name, parse_name);
        let description = validator.check_opt("description", fields.description, parse_description);
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
        self.engine.update_client(&client).await?;
        self.forget_callers(client.id, None).await;
        Ok(client.into())
    }
}
