//! `DELETE /users/{id}`: deletes a user and revokes its key.

use chrono::Utc;

use crate::{
    core::{
        auth::{audit, MasterCaller},
        ApiError, Core, ErrorCode,
    },
    domain::security_event::{SecurityEvent, SecurityEventKind},
};

impl Core {
    #[tracing::instrument(skip_all, fields(client_id = %caller.client.id))]
    pub async fn delete_user(&self, caller: &MasterCaller, id: &str) -> Result<(), ApiError> {
        let user = self.client_user(caller, id).await?;
        if !self.engine.delete_user(&user, Utc::now()).await? {
            return Err(ErrorCode::UserNotFound.into());
        }
        self.close_sessions(user.id, None);
        let event = SecurityEvent::new(
            user.client_id,
            SecurityEventKind::KeyRevoked,
            caller.ip.clone(),
        )
        .user(user.id)
        .reason("user_deleted");
        audit::record(self.engine.as_ref(), event).await;
        Ok(())
    }
}
