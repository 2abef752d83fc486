//! Clients and keys. A key's record stays after revocation, as a tombstone, so that a
//! late use of it is told "revoked" rather than "unknown"; tombstones queue in
//! revocation order and are dropped when their time is up.

use chrono::{DateTime, Utc};

use super::State;
use crate::{
    domain::{
        client::Client,
        ids::{ClientId, UserId},
        keys::{KeyDigest, KeyOwner, KeyRecord},
    },
    engine::{rules::retention::tombstone_until, Rotation},
};

impl State {
    pub(super) fn create_client(&mut self, client: &Client, master_key: &KeyRecord) {
        self.clients.insert(client.id, client.clone());
        self.keys.insert(master_key.digest, master_key.clone());
        self.live_master.insert(client.id, master_key.digest);
    }

    pub(super) fn get_client(&self, id: ClientId) -> Option<Client> {
        self.clients.get(&id).cloned()
    }

    pub(super) fn update_client(&mut self, client: &Client) {
        self.clients.insert(client.id, client.clone());
    }

    pub(super) fn find_key(&self, digest: &KeyDigest) -> Option<KeyRecord> {
        self.keys.get(digest).cloned()
    }

    pub(super) fn rotate_key(
        &mut self,
        new_key: &KeyRecord,
        revoked_at: DateTime<Utc>,
    ) -> Rotation {
        self.purge(revoked_at);
        let active = match new_key.owner {
            KeyOwner::Client(client) => self.clients.get(&client).map(|c| c.is_active),
            KeyOwner::User { user, .. } => self.users.get(&user).map(|u| u.is_active),
        };
        match active {
            None => return Rotation::OwnerGone,
            Some(false) => return Rotation::OwnerDisabled,
            Some(true) => {}
        }
        let previous = match new_key.owner {
            KeyOwner::Client(client) => self.live_master.insert(client, new_key.digest),
            KeyOwner::User { user, .. } => self.live_user.insert(user, new_key.digest),
        };
        if let Some(previous) = previous {
            self.revoke(previous, revoked_at);
        }
        self.keys.insert(new_key.digest, new_key.clone());
        Rotation::Rotated
    }

    pub(super) fn revoke_user_key(
        &mut self,
        user: UserId,
        only: Option<&KeyDigest>,
        revoked_at: DateTime<Utc>,
    ) -> bool {
        let Some(&live) = self.live_user.get(&user) else {
            return false;
        };
        if only.is_some_and(|only| !only.ct_eq(&live)) {
            return false;
        }
        self.live_user.remove(&user);
        self.revoke(live, revoked_at);
        true
    }

    /// Marks a key revoked, keeping its record as a tombstone for a while.
    pub(super) fn revoke(&mut self, digest: KeyDigest, revoked_at: DateTime<Utc>) {
        if let Some(record) = self.keys.get_mut(&digest) {
            record.revoked_at = Some(revoked_at);
            self.tombstones
                .push_back((tombstone_until(revoked_at), digest));
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
