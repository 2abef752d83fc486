//! `POST /clients`: registers a client application and shows its master key once.
//! With `CHATAPI_ADMIN_TOKEN` set, only a request bearing that token may.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    core::{
        auth::{audit, keys::issue, Credentials},
        views::ClientBody,
        ApiError, Core, ErrorCode,
    },
    domain::{
        client::Client,
        ids::ClientId,
        keys::{KeyDigest, KeyOwner},
        security_event::{SecurityEvent, SecurityEventKind},
        validation::{parse_description, parse_name, Validator},
    },
};

/// The fields of `POST /clients`, as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientFields {
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    #[schema(max_length = 1000)]
    description: Option<String>,
}

/// The new client and its master key, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    #[serde(flatten)]
    client: ClientBody,
    master_api_key: String,
}

impl Core {
    #[tracing::instrument(skip_all)]
    pub async fn register_client(
        &self,
        credentials: &Credentials,
        fields: ClientFields,
    ) -> Result<Registered, ApiError> {
        if let Some(expected) = &self.admin_token {
            let presented = credentials.token.as_deref().map(KeyDigest::of);
            if !presented.is_some_and(|digest| digest.ct_eq(expected)) {
                tracing::info!(ip = ?credentials.ip, "client registration refused: bad admin token");
                let refused = ErrorCode::InvalidCredentials.into();
                return Err(self.auth_failed(credentials, refused).await);
            }
        }
        let mut validator = Validator::default();
        let name = validator.check("name", parse_name(fields.name));
        let description = validator.check_opt("description", fields.description, parse_description);
        let (Some(name), Some(description)) = (name, description) else {
            return Err(ApiError::validation(validator.into_errors()));
        };
        let now = Utc::now();
        let client = Client {
            id: ClientId::random(),
            name,
            description,
            is_active: true,
            created_at: now,
            updated_at: now,
        };
        let key = issue(KeyOwner::Client(client.id), now, None);
        self.engine.create_client(&client, &key.record).await?;
        let event = SecurityEvent::new(
            client.id,
            SecurityEventKind::ClientCreated,
            credentials.ip.clone(),
        );
        audit::record(self.engine.as_ref(), event).await;
        tracing::info!(client_id = %client.id, "client registered");
        Ok(Registered {
            client: client.into(),
            master_api_key: key.secret.expose().to_owned(),
        })
    }
}
