//! `POST /users/{id}/revoke`: the client revokes a user's live key now.

use chrono::Utc;

use crate::core::{auth::MasterCaller, ApiError, Core};

impl Core {
    #[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
    pub async fn revoke_user(&self, caller: &MasterCaller, id: &str) -> Result<(), ApiError> {
        let user = self.client_user(caller, id).await?;
        if self
            .engine
            .revoke_user_key(user.id, None, Utc::now())
            .await?
        {
            let ip = caller.ip.clone();
            self.key_revoked(user.client_id, user.id, ip, "revoked_by_client")
                .await;
        }
        Ok(())
    }
}
