//! This node's cache from key digest to caller, so an authenticated request costs no
//! store read (on Redis: three round trips saved per request).
//!
//! What may change a caller is forgotten here at once, on this node by the request
//! that changed it and on every other node by its control notice
//! (`Control::ForgetCallers`, or the `CloseUser` a revocation sends anyway): key
//! rotation, revocation, logout, a user's or a client's update, deactivation and
//! deletion. A notice can be lost while the subscriber connection is down, so the
//! cache is then not used at all, and is emptied again when the connection is back.
//! Entries are bounded in number and in age as a last line of defence.

use std::{
    collections::HashMap,
    fmt,
    hash::{BuildHasher, RandomState},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Mutex, MutexGuard, PoisonError,
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};

use super::Caller;
use crate::domain::{
    ids::{ClientId, UserId},
    keys::{KeyDigest, KeyKind},
};

/// Most callers kept; past it the cache starts again empty (cheaper than keeping an
/// order, and a full cache is rare: one entry per key in use on this node).
const CAPACITY: usize = 100_000;
/// Longest an entry is trusted without reading the store again.
const MAX_AGE: Duration = Duration::from_secs(10);
/// Groups the users' forgets are stamped in: one user's forget holds back the fills
/// of the users of its group only (see [`Forgets`]).
const USER_GROUPS: usize = 32;

#[derive(Default)]
pub struct CallerCache {
    inner: Mutex<Entries>,
    forgets: Forgets,
    /// Set while the subscriber connection is down: a forget from another node could
    /// be missed, so nothing is served from, nor put into, the cache.
    suspended: AtomicBool,
}

/// When each kind of caller was last forgotten. A read of the store that began before
/// a forget may have read what the forget was about, so it must not fill the cache
/// ([`CallerCache::put`]). Stamps are ticks of one clock, set under the entries' lock.
/// A user's forget stamps its group, so a login storm (each login forgets its user)
/// does not keep every other caller, the master key above all, out of the cache.
#[derive(Default)]
struct Forgets {
    clock: AtomicU64,
    /// The last forget of a client, or the last clear.
    clients: AtomicU64,
    users: [AtomicU64; USER_GROUPS],
    groups: RandomState,
}

impl Forgets {
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::AcqRel) + 1
    }

    fn user(&self, user: UserId) -> &AtomicU64 {
        let group = self.groups.hash_one(user) as usize % USER_GROUPS;
        // In range by the modulo.
        #[allow(clippy::indexing_slicing)]
        &self.users[group]
    }

    /// Whether anything `caller` depends on was forgotten after tick `since`.
    fn since(&self, caller: &Caller, since: u64) -> bool {
        self.clients.load(Ordering::Acquire) > since
            || caller
                .user()
                .is_some_and(|user| self.user(user.id).load(Ordering::Acquire) > since)
    }
}

#[derive(Default)]
struct Entries {
    by_digest: HashMap<KeyDigest, Entry>,
    /// The digests cached for each user, so forgetting a user is not a scan.
    by_user: HashMap<UserId, Vec<KeyDigest>>,
}

struct Entry {
    /// Without an address: each request brings its own.
    caller: Caller,
    key_expires_at: Option<DateTime<Utc>>,
    cached_at: Instant,
}

impl CallerCache {
    /// The caller of a cached live key of kind `kind`, with `ip` as its address.
    /// `None` for an unknown, expired or aged-out entry: the store decides then (and
    /// records an expired key's use, as it would without the cache).
    pub fn get(
        &self,
        digest: &KeyDigest,
        kind: KeyKind,
        now: DateTime<Utc>,
        ip: Option<String>,
    ) -> Option<Caller> {
        if self.suspended.load(Ordering::Acquire) {
            return None;
        }
        let mut entries = self.lock();
        let entry = entries.by_digest.get(digest)?;
        let fresh = entry.cached_at.elapsed() < MAX_AGE
            && entry.key_expires_at.is_none_or(|at| at > now)
            && kind == entry.caller.key_kind();
        if !fresh {
            entries.remove(digest);
            return None;
        }
        Some(entry.caller.clone().with_ip(ip))
    }

    /// Read before reading the store; handed back to [`Self::put`].
    pub fn epoch(&self) -> u64 {
        self.forgets.clock.load(Ordering::Acquire)
    }

    /// Caches what the store said, unless something was forgotten since `epoch` was
    /// read (the store's answer may predate that change).
    pub fn put(
        &self,
        digest: KeyDigest,
        caller: &Caller,
        key_expires_at: Option<DateTime<Utc>>,
        epoch: u64,
    ) {
        if self.suspended.load(Ordering::Acquire) {
            return;
        }
        let mut entries = self.lock();
        // Under the lock, as every forget stamps under the lock.
        if self.forgets.since(caller, epoch) {
            return;
        }
        if entries.by_digest.len() >= CAPACITY {
            *entries = Entries::default();
        }
        let user = caller.user().map(|user| user.id);
        let entry = Entry {
            caller: caller.clone().with_ip(None),
            key_expires_at,
            cached_at: Instant::now(),
        };
        // Two requests that missed together both fill it: index the digest once.
        let fresh = entries.by_digest.insert(digest, entry).is_none();
        if let Some(user) = user.filter(|_| fresh) {
            entries.by_user.entry(user).or_default().push(digest);
        }
    }

    /// Forgets the user's callers.
    pub fn forget_user(&self, user: UserId) {
        let mut entries = self.lock();
        let tick = self.forgets.tick();
        self.forgets.user(user).store(tick, Ordering::Release);
        for digest in entries.by_user.remove(&user).unwrap_or_default() {
            entries.by_digest.remove(&digest);
        }
    }

    /// Forgets every caller of the client: its master key and its users'. A scan,
    /// but a client changes rarely.
    pub fn forget_client(&self, client: ClientId) {
        let mut entries = self.lock();
        let tick = self.forgets.tick();
        self.forgets.clients.store(tick, Ordering::Release);
        let Entries { by_digest, by_user } = &mut *entries;
        by_digest.retain(|_, entry| entry.caller.client().id != client);
        by_user.retain(|_, digests| {
            digests.retain(|digest| by_digest.contains_key(digest));
            !digests.is_empty()
        });
    }

    /// The subscriber connection is down: stop trusting the cache until it is back.
    pub fn suspend(&self) {
        self.suspended.store(true, Ordering::Release);
        self.clear();
    }

    /// The subscriber connection is back: start again from an empty cache, as any
    /// notice published meanwhile was missed.
    pub fn resume(&self) {
        self.clear();
        self.suspended.store(false, Ordering::Release);
    }

    fn clear(&self) {
        let mut entries = self.lock();
        let tick = self.forgets.tick();
        self.forgets.clients.store(tick, Ordering::Release);
        *entries = Entries::default();
    }

    /// A panic elsewhere while holding the lock leaves maps that are still whole.
    fn lock(&self) -> MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Entries {
    fn remove(&mut self, digest: &KeyDigest) {
        let Some(entry) = self.by_digest.remove(digest) else {
            return;
        };
        if let Some(user) = entry.caller.user() {
            if let Some(digests) = self.by_user.get_mut(&user.id) {
                digests.retain(|cached| cached != digest);
                if digests.is_empty() {
                    self.by_user.remove(&user.id);
                }
            }
        }
    }
}

impl fmt::Debug for CallerCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallerCache")
            .field("entries", &self.lock().by_digest.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        core::auth::{MasterCaller, UserCaller},
        domain::{
            client::Client,
            user::{Email, User, Username},
        },
    };

    fn master() -> (KeyDigest, Caller) {
        let now = Utc::now();
        let client = Client {
            id: ClientId::random(),
            name: "cached".into(),
            description: None,
            is_active: true,
            created_at: now,
            updated_at: now,
        };
        let digest = KeyDigest::of(&format!("ck_live_{}", client.id));
        let caller = Caller::Master(MasterCaller { client, ip: None });
        (digest, caller)
    }

    /// A user of the master's client, with its key's digest.
    fn user_of(master: &Caller) -> (KeyDigest, Caller) {
        let client = master.client().clone();
        let user = User {
            id: UserId::random(),
            client_id: client.id,
            email: Email::parse("cached@example.com").unwrap(),
            username: Username::parse("cached").unwrap(),
            full_name: None,
            metadata: Default::default(),
            is_active: true,
            created_at: client.created_at,
            updated_at: client.created_at,
        };
        let digest = KeyDigest::of(&format!("sk_user_{}", user.id));
        let caller = Caller::User(UserCaller {
            client,
            user,
            key: digest,
            key_expires_at: None,
            ip: None,
        });
        (digest, caller)
    }

    fn cached(cache: &CallerCache, digest: &KeyDigest) -> bool {
        let ip = Some("192.0.2.1".to_owned());
        match cache.get(digest, KeyKind::Master, Utc::now(), ip) {
            Some(Caller::Master(caller)) => caller.ip.as_deref() == Some("192.0.2.1"),
            _ => false,
        }
    }

    #[test]
    fn a_cached_caller_comes_back_with_the_requests_own_address() {
        let cache = CallerCache::default();
        let (digest, caller) = master();
        cache.put(digest, &caller, None, cache.epoch());
        assert!(cached(&cache, &digest));
        assert!(cache
            .get(&digest, KeyKind::User, Utc::now(), None)
            .is_none());
    }

    #[test]
    fn a_read_that_began_before_a_forget_of_its_caller_does_not_fill_the_cache() {
        let cache = CallerCache::default();
        let (digest, caller) = master();
        let epoch = cache.epoch();
        cache.forget_client(caller.client().id);
        cache.put(digest, &caller, None, epoch);
        assert!(!cached(&cache, &digest));

        let (user_digest, user) = user_of(&caller);
        let epoch = cache.epoch();
        cache.forget_user(user.user().unwrap().id);
        cache.put(user_digest, &user, None, epoch);
        assert!(cache
            .get(&user_digest, KeyKind::User, Utc::now(), None)
            .is_none());
    }

    #[test]
    fn other_users_forgotten_meanwhile_do_not_keep_a_master_key_out() {
        let cache = CallerCache::default();
        let (digest, caller) = master();
        let epoch = cache.epoch();
        for _ in 0..1_000 {
            cache.forget_user(UserId::random());
        }
        cache.put(digest, &caller, None, epoch);
        assert!(cached(&cache, &digest));
    }

    #[test]
    fn forgetting_a_client_or_an_expired_key_misses() {
        let cache = CallerCache::default();
        let (digest, caller) = master();
        cache.put(digest, &caller, None, cache.epoch());
        cache.forget_client(caller.client().id);
        assert!(!cached(&cache, &digest));
        let expired = Utc::now() - chrono::Duration::seconds(1);
        cache.put(digest, &caller, Some(expired), cache.epoch());
        assert!(!cached(&cache, &digest));
    }

    #[test]
    fn a_suspended_cache_serves_and_keeps_nothing_until_resumed_empty() {
        let cache = CallerCache::default();
        let (digest, caller) = master();
        cache.put(digest, &caller, None, cache.epoch());
        cache.suspend();
        assert!(!cached(&cache, &digest));
        cache.put(digest, &caller, None, cache.epoch());
        cache.resume();
        assert!(!cached(&cache, &digest));
        cache.put(digest, &caller, None, cache.epoch());
        assert!(cached(&cache, &digest));
    }
}
