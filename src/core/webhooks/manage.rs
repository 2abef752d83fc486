//! `/webhooks`: create (the secret shown once), list, read, update, delete; the
//! deliveries log; replaying one delivery. Every webhook is its client's: another
//! client's id is `WEBHOOK_NOT_FOUND`.

use chrono::Utc;
use rand::{distr::Alphanumeric, rngs::OsRng, Rng, TryRngCore};
use serde::Deserialize;

use super::address;
use crate::{
    core::{
        auth::MasterCaller,
        views::{CreatedWebhook, DeliveryBody, WebhookBody},
        ApiError, Core, ErrorCode,
    },
    domain::{
        ids::WebhookId,
        page::{Page, PageRequest},
        validation::Validator,
        webhook::{Webhook, WebhookEvents, MAX_WEBHOOKS},
    },
};

/// The shortest secret a caller may choose.
const MIN_SECRET_LEN: usize = 16;
const MAX_SECRET_LEN: usize = 200;
const MAX_URL_LEN: usize = 2048;

/// `POST /webhooks`, as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookFields {
    /// `http(s)://…`, at most 2048 bytes; not loopback, private, link-local or
    /// multicast unless `CHATAPI_WEBHOOKS_ALLOW_PRIVATE=true`.
    #[schema(max_length = 2048)]
    url: String,
    /// `["*"]` or event names of API.md §7.
    events: Vec<String>,
    /// 16 to 200 characters; one is made when absent.
    #[schema(min_length = 16, max_length = 200)]
    secret: Option<String>,
}

/// `PATCH /webhooks/{id}`, as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookChange {
    url: Option<String>,
    events: Option<Vec<String>>,
    is_active: Option<bool>,
}

/// A URL the webhook may use: short enough, and not pointing inside (422 otherwise).
async fn checked_url(
    validator: &mut Validator,
    url: String,
    allow_private: bool,
) -> Option<String> {
    if url.len() > MAX_URL_LEN {
        return validator.check("url", Err(format!("must be at most {MAX_URL_LEN} bytes")));
    }
    let checked = address::check(&url, allow_private).await.map(|_| url);
    validator.check("url", checked)
}

/// `whsec_` and 32 random base62 characters from the OS CSPRNG.
fn new_secret() -> String {
    let mut rng = OsRng.unwrap_err();
    let random: String = (0..32)
        .map(|_| char::from(rng.sample(Alphanumeric)))
        .collect();
    format!("whsec_{random}")
}

impl Core {
    pub async fn create_webhook(
        &self,
        caller: &MasterCaller,
        fields: WebhookFields,
    ) -> Result<CreatedWebhook, ApiError> {
        let mut validator = Validator::default();
        let url = checked_url(&mut validator, fields.url, self.webhooks.allow_private).await;
        let events = validator.check("events", WebhookEvents::parse(fields.events));
        let secret = validator.check_opt("secret", fields.secret, |secret| {
            if (MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&secret.len()) {
                Ok(secret)
            } else {
                Err(format!(
                    "must be {MIN_SECRET_LEN} to {MAX_SECRET_LEN} bytes"
                ))
            }
        });
        let (Some(url), Some(events), Some(secret)) = (url, events, secret) else {
            return Err(ApiError::validation(validator.into_errors()));
        };
        let existing = self
            .engine
            .list_webhooks(
                caller.client.id,
                &PageRequest {
                    limit: MAX_WEBHOOKS,
                    cursor: None,
                },
            )
            .await?;
        if existing.data.len() >= MAX_WEBHOOKS {
            return Err(ApiError::with_detail(
                ErrorCode::ValidationError,
                format!("A client holds at most {MAX_WEBHOOKS} webhooks"),
            ));
        }
        let now = Utc::now();
        let webhook = Webhook {
            id: WebhookId::random_in(caller.client.id.shard()),
            client_id: caller.client.id,
            url,
            events,
            secret: secret.unwrap_or_else(new_secret),
            is_active: true,
            created_at: now,
            updated_at: now,
        };
        self.engine.create_webhook(&webhook).await?;
        tracing::info!(webhook_id = %webhook.id, "webhook created");
        Ok(CreatedWebhook::from(webhook))
    }

    pub async fn list_webhooks(
        &self,
        caller: &MasterCaller,
        page: &PageRequest,
    ) -> Result<Page<WebhookBody>, ApiError> {
        let hooks = self.engine.list_webhooks(caller.client.id, page).await?;
        Ok(hooks.map(WebhookBody::from))
    }

    /// The caller's webhook with this id.
    async fn own_webhook(&self, caller: &MasterCaller, id: &str) -> Result<Webhook, ApiError> {
        let id = WebhookId::parse(id).ok_or(ErrorCode::WebhookNotFound)?;
        match self.engine.get_webhook(id).await? {
            Some(hook) if hook.client_id == caller.client.id => Ok(hook),
            _ => Err(ErrorCode::WebhookNotFound.into()),
        }
    }

    pub async fn read_webhook(
        &self,
        caller: &MasterCaller,
        id: &str,
    ) -> Result<WebhookBody, ApiError> {
        Ok(self.own_webhook(caller, id).await?.into())
    }

    pub async fn update_webhook(
        &self,
        caller: &MasterCaller,
        id: &str,
        change: WebhookChange,
    ) -> Result<WebhookBody, ApiError> {
        let mut webhook = self.own_webhook(caller, id).await?;
        let mut validator = Validator::default();
        let url = match change.url {
            Some(url) => checked_url(&mut validator, url, self.webhooks.allow_private)
                .await
                .map(Some),
            None => Some(None),
        };
        let events = validator.check_opt("events", change.events, WebhookEvents::parse);
        let (Some(url), Some(events)) = (url, events) else {
            return Err(ApiError::validation(validator.into_errors()));
        };
        webhook.url = url.unwrap_or(webhook.url);
        webhook.events = events.unwrap_or(webhook.events);
        webhook.is_active = change.is_active.unwrap_or(webhook.is_active);
        webhook.updated_at = Utc::now();
        self.engine.update_webhook(&webhook).await?;
        Ok(webhook.into())
    }

    pub async fn delete_webhook(&self, caller: &MasterCaller, id: &str) -> Result<(), ApiError> {
        let webhook = self.own_webhook(caller, id).await?;
        if self.engine.delete_webhook(&webhook).await? {
            Ok(())
        } else {
            Err(ErrorCode::WebhookNotFound.into())
        }
    }

    pub async fn deliveries(
        &self,
        caller: &MasterCaller,
        id: &str,
        page: &PageRequest,
    ) -> Result<Page<DeliveryBody>, ApiError> {
        let webhook = self.own_webhook(caller, id).await?;
        let log = self.engine.list_deliveries(webhook.id, page).await?;
        Ok(log.map(DeliveryBody::from))
    }

    /// Puts the event of one logged attempt at the end of the outbox again: it is
    /// sent once more, with the same event id, after what is already waiting.
    pub async fn replay(
        &self,
        caller: &MasterCaller,
        id: &str,
        delivery: &str,
    ) -> Result<DeliveryBody, ApiError> {
        let webhook = self.own_webhook(caller, id).await?;
        let Some(found) = self.engine.get_delivery(webhook.id, delivery).await? else {
            return Err(ApiError::with_detail(
                ErrorCode::WebhookNotFound,
                "Delivery not found",
            ));
        };
        self.engine.requeue_entry(webhook.id, &found.entry).await?;
        Ok(found.into())
    }
}
