//! The in-process back end: one `Mutex<State>` per node. Every trait method is one
//! critical section, which is what makes each write atomic; no `.await` happens while
//! the lock is held, so a `std` mutex is the right (cheaper) lock.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    ops::Bound,
    sync::{Mutex, MutexGuard},
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{EngineError, Rotation, Store, Update};
use crate::domain::{
    client::Client,
    ids::{ClientId, UserId},
    keys::{KeyDigest, KeyOwner, KeyRecord, RECORD_RETENTION},
    page::{Page, PageRequest},
    security_event::{EventFilter, SecurityEvent, RETENTION},
    user::{User, UserFilter},
};

/// The embedded single-node store.
#[derive(Default)]
pub struct MemoryEngine {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    clients: HashMap<ClientId, Client>,
    users: HashMap<UserId, User>,
    /// Every key record by digest: live, expired, and revoked until purged.
    keys: HashMap<KeyDigest, KeyRecord>,
    /// The live key of each client and user.
    live_master: HashMap<ClientId, KeyDigest>,
    live_user: HashMap<UserId, KeyDigest>,
    /// Tombstones in revocation order, so purging pops from the front.
    tombstones: VecDeque<(DateTime<Utc>, KeyDigest)>,
    /// Uniqueness indexes: (client, lower-cased value) → user.
    emails: HashMap<(ClientId, String), UserId>,
    usernames: HashMap<(ClientId, String), UserId>,
    /// Each client's users by [`User::order_key`], for paging.
    user_order: BTreeMap<(ClientId, String), UserId>,
    /// Each client's events, oldest first, numbered; the number is the cursor.
    events: HashMap<ClientId, VecDeque<(u64, SecurityEvent)>>,
    next_event: u64,
}

impl MemoryEngine {
    pub fn new() -> Self {
        Self::default()
    }

    /// A poisoned lock means a panic mid-write; the state may be half-changed, so the
    /// honest answer is an internal error rather than carrying on.
    fn state(&self) -> Result<MutexGuard<'_, State>, EngineError> {
        self.state
            .lock()
            .map_err(|_| EngineError::Corrupt(anyhow::anyhow!("memory store lock poisoned")))
    }
}

impl State {
    /// Marks a key revoked, keeping its record as a tombstone for a while.
    fn revoke(&mut self, digest: KeyDigest, revoked_at: DateTime<Utc>) {
        if let Some(record) = self.keys.get_mut(&digest) {
            record.revoked_at = Some(revoked_at);
            self.tombstones
                .push_back((revoked_at + RECORD_RETENTION, digest));
        }
    }

    /// Drops tombstones whose time is up.
    fn purge(&mut self, now: DateTime<Utc>) {
        while let Some(&(until, digest)) = self.tombstones.front() {
            if until > now {
                break;
            }
            self.tombstones.pop_front();
            if self
                .keys
                .get(&digest)
                .is_some_and(|r| r.revoked_at.is_some())
            {
                self.keys.remove(&digest);
            }
        }
    }
}

#[async_trait]
impl Store for MemoryEngine {
    async fn ping(&self) -> Result<(), EngineError> {
        self.state().map(drop)
    }

    // --- clients -------------------------------------------------------------

    async fn create_client(
        &self,
        client: &Client,
        master_key: &KeyRecord,
    ) -> Result<(), EngineError> {
        let mut state = self.state()?;
        state.clients.insert(client.id, client.clone());
        state.keys.insert(master_key.digest, master_key.clone());
        state.live_master.insert(client.id, master_key.digest);
        Ok(())
    }

    async fn get_client(&self, id: ClientId) -> Result<Option<Client>, EngineError> {
        Ok(self.state()?.clients.get(&id).cloned())
    }

    async fn update_client(&self, client: &Client) -> Result<(), EngineError> {
        self.state()?.clients.insert(client.id, client.clone());
        Ok(())
    }

    // --- keys ----------------------------------------------------------------

    async fn find_key(&self, digest: &KeyDigest) -> Result<Option<KeyRecord>, EngineError> {
        Ok(self.state()?.keys.get(digest).cloned())
    }

    async fn rotate_key(
        &self,
        new_key: &KeyRecord,
        revoked_at: DateTime<Utc>,
    ) -> Result<Rotation, EngineError> {
        let mut state = self.state()?;
        state.purge(revoked_at);
        let active = match new_key.owner {
            KeyOwner::Client(client) => state.clients.get(&client).map(|c| c.is_active),
            KeyOwner::User { user, .. } => state.users.get(&user).map(|u| u.is_active),
        };
        match active {
            None => return Ok(Rotation::OwnerGone),
            Some(false) => return Ok(Rotation::OwnerDisabled),
            Some(true) => {}
        }
        let previous = match new_key.owner {
            KeyOwner::Client(client) => state.live_master.insert(client, new_key.digest),
            KeyOwner::User { user, .. } => state.live_user.insert(user, new_key.digest),
        };
        if let Some(previous) = previous {
            state.revoke(previous, revoked_at);
        }
        state.keys.insert(new_key.digest, new_key.clone());
        Ok(Rotation::Rotated)
    }

    async fn revoke_user_key(
        &self,
        user: UserId,
        only: Option<&KeyDigest>,
        revoked_at: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        let mut state = self.state()?;
        let Some(&live) = state.live_user.get(&user) else {
            return Ok(false);
        };
        if only.is_some_and(|only| !only.ct_eq(&live)) {
            return Ok(false);
        }
        state.live_user.remove(&user);
        state.revoke(live, revoked_at);
        Ok(true)
    }

    // --- users ---------------------------------------------------------------

    async fn create_user(&self, user: &User, key: &KeyRecord) -> Result<(), EngineError> {
        let mut state = self.state()?;
        let email = (user.client_id, user.email.key());
        let username = (user.client_id, user.username.key());
        if state.emails.contains_key(&email) {
            return Err(EngineError::EmailTaken);
        }
        if state.usernames.contains_key(&username) {
            return Err(EngineError::UsernameTaken);
        }
        state.emails.insert(email, user.id);
        state.usernames.insert(username, user.id);
        state
            .user_order
            .insert((user.client_id, user.order_key()), user.id);
        state.users.insert(user.id, user.clone());
        state.keys.insert(key.digest, key.clone());
        state.live_user.insert(user.id, key.digest);
        Ok(())
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>, EngineError> {
        Ok(self.state()?.users.get(&id).cloned())
    }

    async fn find_user_by_email(
        &self,
        client: ClientId,
        email_key: &str,
    ) -> Result<Option<User>, EngineError> {
        let state = self.state()?;
        let id = state.emails.get(&(client, email_key.to_owned()));
        Ok(id.and_then(|id| state.users.get(id)).cloned())
    }

    async fn list_users(
        &self,
        client: ClientId,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, EngineError> {
        let state = self.state()?;
        let start = match &page.cursor {
            Some(cursor) => Bound::Excluded((client, cursor.clone())),
            None => Bound::Included((client, String::new())),
        };
        let mut data = Vec::with_capacity(page.limit);
        let mut more = false;
        for ((owner, _), id) in state.user_order.range((start, Bound::Unbounded)) {
            if *owner != client {
                break;
            }
            let Some(user) = state.users.get(id).filter(|user| filter.matches(user)) else {
                continue;
            };
            if data.len() == page.limit {
                more = true;
                break;
            }
            data.push(user.clone());
        }
        let next_cursor = more.then(|| data.last().map(User::order_key)).flatten();
        Ok(Page { data, next_cursor })
    }

    async fn update_user(
        &self,
        before: &User,
        after: &User,
        revoked_at: DateTime<Utc>,
    ) -> Result<Update, EngineError> {
        let mut state = self.state()?;
        if state.users.get(&before.id) != Some(before) {
            return Ok(Update::Stale);
        }
        let old_name = (before.client_id, before.username.key());
        let new_name = (after.client_id, after.username.key());
        if old_name != new_name {
            if state.usernames.contains_key(&new_name) {
                return Err(EngineError::UsernameTaken);
            }
            state.usernames.remove(&old_name);
            state.usernames.insert(new_name, after.id);
        }
        state.users.insert(after.id, after.clone());
        if !after.is_active {
            if let Some(live) = state.live_user.remove(&after.id) {
                state.revoke(live, revoked_at);
            }
        }
        Ok(Update::Applied)
    }

    async fn delete_user(
        &self,
        user: &User,
        revoked_at: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        let mut state = self.state()?;
        if state.users.remove(&user.id).is_none() {
            return Ok(false);
        }
        state.emails.remove(&(user.client_id, user.email.key()));
        state
            .usernames
            .remove(&(user.client_id, user.username.key()));
        state.user_order.remove(&(user.client_id, user.order_key()));
        if let Some(live) = state.live_user.remove(&user.id) {
            state.revoke(live, revoked_at);
        }
        Ok(true)
    }

    // --- security events -----------------------------------------------------

    async fn record_event(&self, event: &SecurityEvent) -> Result<(), EngineError> {
        let mut state = self.state()?;
        let number = state.next_event;
        state.next_event += 1;
        let horizon = event.at - RETENTION;
        let log = state.events.entry(event.client_id).or_default();
        while log.front().is_some_and(|(_, old)| old.at < horizon) {
            log.pop_front();
        }
        log.push_back((number, event.clone()));
        Ok(())
    }

    async fn list_events(
        &self,
        client: ClientId,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Result<Page<SecurityEvent>, EngineError> {
        let state = self.state()?;
        let before: u64 = match &page.cursor {
            Some(cursor) => cursor.parse().unwrap_or(0),
            None => u64::MAX,
        };
        let horizon = Utc::now() - RETENTION;
        let mut data = Vec::with_capacity(page.limit);
        let mut last = None;
        let mut more = false;
        let log = state.events.get(&client).into_iter().flatten().rev();
        for (number, event) in log.filter(|(n, e)| *n < before && e.at >= horizon) {
            if !filter.matches(event) {
                continue;
            }
            if data.len() == page.limit {
                more = true;
                break;
            }
            data.push(event.clone());
            last = Some(*number);
        }
        let next_cursor = more.then(|| last.map(|n| n.to_string())).flatten();
        Ok(Page { data, next_cursor })
    }
}
