//! `POST /users/logout`: revokes the key the request was made with.

use chrono::Utc;

use crate::{
    core::{
        auth::{audit, UserCaller},
        ApiError, Core,
    },
    domain::security_event::{SecurityEvent, SecurityEventKind},
};

impl Core {
    #[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
    pub async fn logout(&self, caller: &UserCaller) -> Result<(), ApiError> {
        let user = caller.user.id;
        let revoked = self
            .engine
            .revoke_user_key(user, Some(&caller.key), Utc::now())
            .await?;
        if revoked {
            self.close_sessions(user, None);
            let event = SecurityEvent::new(
                caller.client.id,
                SecurityEventKind::KeyRevoked,
                caller.ip.clone(),
            )
            .user(user)
            .reason("logout");
            audit::record(self.engine.as_ref(), event).await;
        }
        Ok(())
    }
}
