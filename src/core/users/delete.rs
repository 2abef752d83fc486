//! `DELETE /users/{id}`: deletes a user and revokes its key.

use chrono::Utc;

use crate::core::{auth::MasterCaller, webhooks, ApiError, Core, ErrorCode};

impl Core {
    #[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
    pub async fn delete_user(&self, caller: &MasterCaller, id: &str) -> Result<(), ApiError> {
        let user = self.client_user(caller, id).await?;
        if !self.engine.delete_user(&user, Utc::now()).await? {
            return Err(ErrorCode::UserNotFound.into());
        }
        let ip = caller.ip.clone();
        self.key_revoked(user.client_id, user.id, ip, "user_deleted")
            .await;
        webhooks::user_event(self.engine.as_ref(), "user.deleted", &user).await;
        Ok(())
    }
}
