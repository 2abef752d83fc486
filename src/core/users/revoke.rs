//! `POST /users/{id}/revoke`: the client revokes a user's live key now.

use chrono::Utc;

use crate::{
    core::{
        auth::{audit, MasterCaller},
        ApiError, Core,
    },
    domain::security_event::{SecurityEvent, SecurityEventKind},
};

impl Core {
    #[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
    pub async fn revoke_user(&self, caller: &MasterCaller, id: &str) -> Result<(), ApiError> {
        let user = self.client_user(caller, id).await?;
        if self
            .engine
            .revoke_user_key(user.id, None, Utc::now())
            .await?
        {
            self.close_sessions(user.id, None);
            let event = SecurityEvent::new(
                user.client_id,
                SecurityEventKind::KeyRevoked,
                caller.ip.clone(),
            )
            .user(user.id)
            .reason("revoked_by_client");
            audit::record(self.engine.as_ref(), event).await;
        }
        Ok(())
    }
}
