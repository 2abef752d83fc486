//! Users, with the two uniqueness indexes (email, username; per client, lower-cased)
//! and the creation-order index that `list_users` pages through.

use chrono::{DateTime, Utc};

use super::{after_cursor, State};
use crate::{
    domain::{
        ids::{ClientId, UserId},
        keys::KeyRecord,
        page::{Page, PageRequest},
        user::{User, UserFilter},
    },
    engine::{
        rules::paging::{paginate, user_cursor},
        EngineError, Update,
    },
};

impl State {
    pub(super) fn create_user(&mut self, user: &User, key: &KeyRecord) -> Result<(), EngineError> {
        let email = (user.client_id, user.email.key());
        let username = (user.client_id, user.username.key());
        if self.emails.contains_key(&email) {
            return Err(EngineError::EmailTaken);
        }
        if self.usernames.contains_key(&username) {
            return Err(EngineError::UsernameTaken);
        }
        self.emails.insert(email, user.id);
        self.usernames.insert(username, user.id);
        self.user_order
            .insert((user.client_id, user_cursor(user)), user.id);
        self.users.insert(user.id, user.clone());
        self.keys.insert(key.digest, key.clone());
        self.live_user.insert(user.id, key.digest);
        Ok(())
    }

    pub(super) fn get_user(&self, id: UserId) -> Option<User> {
        self.users.get(&id).cloned()
    }

    pub(super) fn find_user_by_email(&self, client: ClientId, email_key: &str) -> Option<User> {
        let id = self.emails.get(&(client, email_key.to_owned()));
        id.and_then(|id| self.users.get(id)).cloned()
    }

    pub(super) fn list_users(
        &self,
        client: ClientId,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Page<User> {
        let users = after_cursor(&self.user_order, client, page)
            .filter_map(|id| self.users.get(id))
            .filter(|user| filter.matches(user))
            .cloned();
        paginate(users, page.limit, user_cursor)
    }

    pub(super) fn update_user(
        &mut self,
        before: &User,
        after: &User,
        revoked_at: DateTime<Utc>,
    ) -> Result<Update, EngineError> {
        if self.users.get(&before.id) != Some(before) {
            return Ok(Update::Stale);
        }
        let old_name = (before.client_id, before.username.key());
        let new_name = (after.client_id, after.username.key());
        if old_name != new_name {
            if self.usernames.contains_key(&new_name) {
                return Err(EngineError::UsernameTaken);
            }
            self.usernames.remove(&old_name);
            self.usernames.insert(new_name, after.id);
        }
        self.users.insert(after.id, after.clone());
        if !after.is_active {
            if let Some(live) = self.live_user.remove(&after.id) {
                self.revoke(live, revoked_at);
            }
        }
        Ok(Update::Applied)
    }

    pub(super) fn delete_user(&mut self, user: &User, revoked_at: DateTime<Utc>) -> bool {
        if self.users.remove(&user.id).is_none() {
            return false;
        }
        self.emails.remove(&(user.client_id, user.email.key()));
        self.usernames
            .remove(&(user.client_id, user.username.key()));
        self.user_order.remove(&(user.client_id, user_cursor(user)));
        if let Some(live) = self.live_user.remove(&user.id) {
            self.revoke(live, revoked_at);
        }
        for room in self.user_rooms.remove(&user.id).unwrap_or_default() {
            self.remove_member(room, user.id);
        }
        true
    }
}
