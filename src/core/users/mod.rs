//! Users (`API.md` §4): the client's users, managed with the master key, and a user's
//! own account, managed with its scoped key. One file per operation.

mod create;
mod delete;
mod login;
mod logout;
mod revoke;
mod update;

pub use self::{
    create::{CreatedUser, UserFields},
    login::LoggedIn,
    update::{ProfileFields, UserChangeFields},
};
use crate::{
    core::{
        auth::{audit, MasterCaller},
        views::UserBody,
        ApiError, Core, ErrorCode,
    },
    domain::{
        ids::{ClientId, UserId},
        page::{Page, PageRequest},
        security_event::{SecurityEvent, SecurityEventKind},
        user::{User, UserFilter},
    },
};

impl Core {
    /// A user of the caller's client, by its id as written in a path; another
    /// client's user is as unknown as a missing one.
    pub async fn client_user(&self, caller: &MasterCaller, id: &str) -> Result<User, ApiError> {
        let id = UserId::parse(id).ok_or(ErrorCode::UserNotFound)?;
        match self.engine.get_user(id).await? {
            Some(user) if user.client_id == caller.client.id => Ok(user),
            _ => Err(ErrorCode::UserNotFound.into()),
        }
    }

    /// The client's users, oldest first, optionally by email/username prefix.
    pub async fn list_users(
        &self,
        caller: &MasterCaller,
        query: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<UserBody>, ApiError> {
        let filter = UserFilter::new(query);
        let users = self
            .engine
            .list_users(caller.client.id, &filter, page)
            .await?;
        Ok(users.map(UserBody::from))
    }

    /// What follows every revocation of a user's key: its sockets close on every
    /// node, and the revocation is recorded with `reason`.
    async fn key_revoked(&self, client: ClientId, user: UserId, ip: Option<String>, reason: &str) {
        self.close_sessions(user, None).await;
        let event = SecurityEvent::new(client, SecurityEventKind::KeyRevoked, ip)
            .user(user)
            .reason(reason);
        audit::record(self.engine.as_ref(), event).await;
    }
}
