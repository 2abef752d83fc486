//! `POST /clients`: registers a client application and shows its master key once.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::ClientBody;
use crate::{
    auth::{
        audit::{self, peer_ip},
        extract::bearer,
        keys::issue,
    },
    domain::{
        client::Client,
        ids::ClientId,
        keys::{KeyDigest, KeyOwner},
        security_event::{SecurityEvent, SecurityEventKind},
        validation::{parse_description, parse_name, Validator},
    },
    error::{ApiError, ErrorCode},
    http::{json::Json, state::AppState},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateClient {
    name: String,
    description: Option<String>,
}

#[derive(Debug, Serialize)]
struct Created {
    #[serde(flatten)]
    client: ClientBody,
    master_api_key: String,
}

#[tracing::instrument(skip_all)]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<CreateClient>,
) -> Result<HttpResponse, ApiError> {
    if let Some(expected) = &state.admin_token {
        let presented = bearer(&req).map(|token| KeyDigest::of(&token));
        if !presented.is_some_and(|digest| digest.ct_eq(expected)) {
            tracing::info!(ip = ?peer_ip(&req), "client registration refused: bad admin token");
            return Err(ErrorCode::InvalidCredentials.into());
        }
    }
    let Json(body) = body;
    let mut validator = Validator::default();
    let name = validator.check("name", parse_name(body.name));
    let description = validator.check_opt("description", body.description, parse_description);
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
    state.engine.create_client(&client, &key.record).await?;
    let event = SecurityEvent::new(client.id, SecurityEventKind::ClientCreated, peer_ip(&req));
    audit::record(state.engine.as_ref(), event).await;
    tracing::info!(client_id = %client.id, "client registered");
    Ok(HttpResponse::Created().json(Created {
        client: client.into(),
        master_api_key: key.secret.expose().to_owned(),
    }))
}
