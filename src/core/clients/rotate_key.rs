//! `POST /clients/me/rotate-key`: a new master key; the old one stops working in the
//! same step.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    core::{
        actors::cluster::Control,
        auth::{keys::issue, MasterCaller},
        ApiError, Core, ErrorCode,
    },
    domain::{
        keys::KeyOwner,
        security_event::{SecurityEvent, SecurityEventKind},
    },
    engine::{Rotation, RotationRecord},
};

/// The new master key, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rotated {
    master_api_key: String,
    rotated_at: DateTime<Utc>,
}

impl Core {
    #[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
    pub async fn rotate_master_key(&self, caller: &MasterCaller) -> Result<Rotated, ApiError> {
        let now = Utc::now();
        let key = issue(KeyOwner::Client(caller.client.id), now, None);
        let event = SecurityEvent::new(
            caller.client.id,
            SecurityEventKind::MasterKeyRotated,
            caller.ip.clone(),
        );
        // The old key stops working on every node: this one forgets it below, the
        // others when they hear the rotation's notice.
        let notice = Control::ForgetCallers {
            client_id: caller.client.id,
            user_id: None,
        };
        let record = RotationRecord {
            event: &event,
            webhook: None,
            notice: &self.rotation_notice(notice)?,
        };
        match self.engine.rotate_key(&key.record, now, record).await? {
            Rotation::Rotated => {}
            Rotation::OwnerGone => return Err(ErrorCode::InvalidCredentials.into()),
            Rotation::OwnerDisabled => return Err(ErrorCode::AccountDisabled.into()),
        }
        self.node.callers.forget_client(caller.client.id);
        Ok(Rotated {
            master_api_key: key.secret.expose().to_owned(),
            rotated_at: now,
        })
    }
}
