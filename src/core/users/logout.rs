//! `POST /users/logout`: revokes the key the request was made with.

use chrono::Utc;

use crate::core::{auth::UserCaller, ApiError, Core};

impl Core {
    #[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
    pub async fn logout(&self, caller: &UserCaller) -> Result<(), ApiError> {
        let user = caller.user.id;
        let revoked = self
            .engine
            .revoke_user_key(user, Some(&caller.key), Utc::now())
            .await?;
        if revoked {
            let ip = caller.ip.clone();
            self.key_revoked(caller.client.id, user, ip, "logout").await;
        }
        Ok(())
    }
}
