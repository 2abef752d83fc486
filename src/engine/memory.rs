//! The in-process back end: one `Mutex<State>` per node. Every trait method is one
//! critical section, which is what makes each write atomic; no `.await` happens while
//! the lock is held, so a `std` mutex is the right (cheaper) lock.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, VecDeque},
    ops::Bound,
    sync::{Mutex, MutexGuard},
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{AddMember, Broker, EngineError, Inbound, Presence, Rotation, Store, Topic, Update};
use crate::domain::{
    client::Client,
    ids::{ClientId, MessageId, RoomId, SessionId, UserId},
    keys::{KeyDigest, KeyOwner, KeyRecord, RECORD_RETENTION},
    message::{Appended, HistoryRange, Message, IDEMPOTENCY_WINDOW},
    page::{Page, PageRequest},
    room::{Member, Membership, Room, RoomStats},
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
    rooms: HashMap<RoomId, RoomState>,
    /// Each client's rooms by [`Room::order_key`], for paging.
    room_order: BTreeMap<(ClientId, String), RoomId>,
    /// Each user's rooms, ordered by id (the cursor of `list_user_rooms`).
    user_rooms: HashMap<UserId, BTreeSet<RoomId>>,
    /// The direct room of each pair of users (smaller id first).
    direct_pairs: HashMap<(UserId, UserId), RoomId>,
    /// Where each message lives: room and `seq`.
    message_index: HashMap<MessageId, (RoomId, u64)>,
    /// Each room's live sessions.
    presence: HashMap<RoomId, HashMap<(UserId, SessionId), PresenceEntry>>,
}

/// Which node holds a session, and until when it counts as online.
type PresenceEntry = (String, DateTime<Utc>);

/// One room with everything stored under it.
struct RoomState {
    room: Room,
    members: HashMap<UserId, Member>,
    /// Members by [`Membership::order_key`], for paging.
    member_order: BTreeMap<String, UserId>,
    /// Message `seq` n is at index n - 1: seqs have no gaps.
    messages: Vec<Message>,
    last_message_at: Option<DateTime<Utc>>,
    /// `client_msg_id` → (`seq`, when sent), for idempotent resends.
    client_msg_ids: HashMap<String, (u64, DateTime<Utc>)>,
}

impl RoomState {
    fn new(room: Room) -> Self {
        Self {
            room,
            members: HashMap::new(),
            member_order: BTreeMap::new(),
            messages: Vec::new(),
            last_message_at: None,
            client_msg_ids: HashMap::new(),
        }
    }

    fn stats(&self) -> RoomStats {
        RoomStats {
            member_count: self.members.len() as u64,
            last_seq: self.messages.len() as u64,
            last_message_at: self.last_message_at,
        }
    }

    fn message(&self, seq: u64) -> Option<&Message> {
        let index = usize::try_from(seq).ok()?.checked_sub(1)?;
        self.messages.get(index)
    }
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
    /// Adds a membership to a room that exists; the caller checked the rules.
    fn insert_member(&mut self, membership: &Membership) {
        let Some(state) = self.rooms.get_mut(&membership.room_id) else {
            return;
        };
        let member = Member {
            membership: membership.clone(),
            last_read_seq: 0,
        };
        state
            .member_order
            .insert(membership.order_key(), membership.user_id);
        state.members.insert(membership.user_id, member);
        self.user_rooms
            .entry(membership.user_id)
            .or_default()
            .insert(membership.room_id);
    }

    /// Removes a membership; returns whether there was one.
    fn remove_member(&mut self, room: RoomId, user: UserId) -> bool {
        let Some(state) = self.rooms.get_mut(&room) else {
            return false;
        };
        let Some(member) = state.members.remove(&user) else {
            return false;
        };
        state.member_order.remove(&member.membership.order_key());
        if let Some(rooms) = self.user_rooms.get_mut(&user) {
            rooms.remove(&room);
        }
        true
    }

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
        let users = after_cursor(&state.user_order, client, page)
            .filter_map(|id| state.users.get(id))
            .filter(|user| filter.matches(user))
            .cloned();
        Ok(paginate(users, page.limit, User::order_key))
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
        for room in state.user_rooms.remove(&user.id).unwrap_or_default() {
            state.remove_member(room, user.id);
        }
        Ok(true)
    }

    // --- rooms ---------------------------------------------------------------

    async fn create_room(&self, room: &Room, members: &[Membership]) -> Result<(), EngineError> {
        let mut state = self.state()?;
        state.rooms.insert(room.id, RoomState::new(room.clone()));
        state
            .room_order
            .insert((room.client_id, room.order_key()), room.id);
        for membership in members {
            state.insert_member(membership);
        }
        Ok(())
    }

    async fn create_direct_room(
        &self,
        room: &Room,
        pair: &[Membership; 2],
    ) -> Result<RoomId, EngineError> {
        let mut state = self.state()?;
        let [a, b] = pair;
        let key = (a.user_id.min(b.user_id), a.user_id.max(b.user_id));
        if let Some(&existing) = state.direct_pairs.get(&key) {
            if state.rooms.contains_key(&existing) {
                return Ok(existing);
            }
        }
        state.direct_pairs.insert(key, room.id);
        state.rooms.insert(room.id, RoomState::new(room.clone()));
        state
            .room_order
            .insert((room.client_id, room.order_key()), room.id);
        for membership in pair {
            state.insert_member(membership);
        }
        Ok(room.id)
    }

    async fn get_room(&self, id: RoomId) -> Result<Option<(Room, RoomStats)>, EngineError> {
        let state = self.state()?;
        Ok(state.rooms.get(&id).map(|r| (r.room.clone(), r.stats())))
    }

    async fn list_rooms(
        &self,
        client: ClientId,
        page: &PageRequest,
    ) -> Result<Page<(Room, RoomStats)>, EngineError> {
        let state = self.state()?;
        let rooms = after_cursor(&state.room_order, client, page)
            .filter_map(|id| state.rooms.get(id))
            .map(|r| (r.room.clone(), r.stats()));
        Ok(paginate(rooms, page.limit, |(room, _)| room.order_key()))
    }

    async fn update_room(&self, room: &Room) -> Result<(), EngineError> {
        if let Some(state) = self.state()?.rooms.get_mut(&room.id) {
            state.room = room.clone();
        }
        Ok(())
    }

    async fn delete_room(&self, room: &Room) -> Result<Vec<UserId>, EngineError> {
        let mut state = self.state()?;
        let Some(removed) = state.rooms.remove(&room.id) else {
            return Ok(Vec::new());
        };
        state.room_order.remove(&(room.client_id, room.order_key()));
        state.direct_pairs.retain(|_, id| *id != room.id);
        for message in &removed.messages {
            state.message_index.remove(&message.id);
        }
        let members: Vec<UserId> = removed.members.keys().copied().collect();
        for user in &members {
            if let Some(rooms) = state.user_rooms.get_mut(user) {
                rooms.remove(&room.id);
            }
        }
        Ok(members)
    }

    // --- members -------------------------------------------------------------

    async fn add_member(
        &self,
        membership: &Membership,
        max_members: u32,
    ) -> Result<AddMember, EngineError> {
        let mut state = self.state()?;
        let Some(room) = state.rooms.get(&membership.room_id) else {
            return Ok(AddMember::RoomGone);
        };
        if !state.users.contains_key(&membership.user_id) {
            return Ok(AddMember::UserGone);
        }
        if room.members.contains_key(&membership.user_id) {
            return Ok(AddMember::AlreadyMember);
        }
        if room.members.len() as u64 >= u64::from(max_members) {
            return Ok(AddMember::Full);
        }
        state.insert_member(membership);
        Ok(AddMember::Added)
    }

    async fn remove_member(&self, room: RoomId, user: UserId) -> Result<bool, EngineError> {
        Ok(self.state()?.remove_member(room, user))
    }

    async fn get_member(&self, room: RoomId, user: UserId) -> Result<Option<Member>, EngineError> {
        let state = self.state()?;
        Ok(state
            .rooms
            .get(&room)
            .and_then(|r| r.members.get(&user))
            .cloned())
    }

    async fn list_members(
        &self,
        room: RoomId,
        page: &PageRequest,
    ) -> Result<Page<Member>, EngineError> {
        let state = self.state()?;
        let Some(room) = state.rooms.get(&room) else {
            return Ok(Page {
                data: Vec::new(),
                next_cursor: None,
            });
        };
        let start = match &page.cursor {
            Some(cursor) => Bound::Excluded(cursor.clone()),
            None => Bound::Unbounded,
        };
        let members = room
            .member_order
            .range((start, Bound::Unbounded))
            .filter_map(|(_, user)| room.members.get(user).cloned());
        Ok(paginate(members, page.limit, |m| m.membership.order_key()))
    }

    async fn list_user_rooms(
        &self,
        user: UserId,
        page: &PageRequest,
    ) -> Result<Page<(Room, RoomStats, Member)>, EngineError> {
        let state = self.state()?;
        let after = page.cursor.as_deref().and_then(RoomId::parse);
        let rooms = state
            .user_rooms
            .get(&user)
            .into_iter()
            .flatten()
            .filter(|id| after.is_none_or(|after| **id > after))
            .filter_map(|id| {
                let room = state.rooms.get(id)?;
                let member = room.members.get(&user)?;
                Some((room.room.clone(), room.stats(), member.clone()))
            });
        Ok(paginate(rooms, page.limit, |(room, _, _)| {
            room.id.to_string()
        }))
    }

    async fn mark_read(
        &self,
        room: RoomId,
        user: UserId,
        seq: u64,
    ) -> Result<Option<u64>, EngineError> {
        let mut state = self.state()?;
        let member = state
            .rooms
            .get_mut(&room)
            .and_then(|r| r.members.get_mut(&user));
        Ok(member.map(|member| {
            member.last_read_seq = member.last_read_seq.max(seq);
            member.last_read_seq
        }))
    }

    // --- messages ------------------------------------------------------------

    async fn append_message(&self, message: &Message) -> Result<Appended, EngineError> {
        let mut state = self.state()?;
        let Some(room) = state.rooms.get_mut(&message.room_id) else {
            return Ok(Appended::RoomGone);
        };
        if let Some(cmid) = &message.client_msg_id {
            let horizon = message.created_at - IDEMPOTENCY_WINDOW;
            room.client_msg_ids.retain(|_, (_, at)| *at >= horizon);
            if let Some(original) = room
                .client_msg_ids
                .get(cmid)
                .and_then(|(seq, _)| room.message(*seq))
            {
                return Ok(Appended::Duplicate(original.clone()));
            }
        }
        let mut stored = message.clone();
        stored.seq = room.messages.len() as u64 + 1;
        if let Some(cmid) = &stored.client_msg_id {
            room.client_msg_ids
                .insert(cmid.clone(), (stored.seq, stored.created_at));
        }
        room.last_message_at = Some(stored.created_at);
        room.messages.push(stored.clone());
        state
            .message_index
            .insert(stored.id, (stored.room_id, stored.seq));
        Ok(Appended::New(stored))
    }

    async fn get_message(&self, id: MessageId) -> Result<Option<Message>, EngineError> {
        let state = self.state()?;
        let found = state
            .message_index
            .get(&id)
            .and_then(|(room, seq)| state.rooms.get(room)?.message(*seq));
        Ok(found.cloned())
    }

    async fn list_messages(
        &self,
        room: RoomId,
        range: HistoryRange,
        limit: usize,
    ) -> Result<Vec<Message>, EngineError> {
        let state = self.state()?;
        let Some(room) = state.rooms.get(&room) else {
            return Ok(Vec::new());
        };
        let messages = &room.messages;
        Ok(match range {
            HistoryRange::After(after) => {
                let start = usize::try_from(after)
                    .unwrap_or(usize::MAX)
                    .min(messages.len());
                messages.iter().skip(start).take(limit).cloned().collect()
            }
            HistoryRange::Before(before) => {
                let end = usize::try_from(before.saturating_sub(1))
                    .unwrap_or(usize::MAX)
                    .min(messages.len());
                messages
                    .iter()
                    .take(end)
                    .rev()
                    .take(limit)
                    .cloned()
                    .collect()
            }
        })
    }

    async fn update_message(
        &self,
        before: &Message,
        after: &Message,
    ) -> Result<Update, EngineError> {
        let mut state = self.state()?;
        let slot = state.rooms.get_mut(&before.room_id).and_then(|room| {
            let index = usize::try_from(before.seq).ok()?.checked_sub(1)?;
            room.messages.get_mut(index)
        });
        match slot {
            Some(stored) if stored == before => {
                *stored = after.clone();
                Ok(Update::Applied)
            }
            _ => Ok(Update::Stale),
        }
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
        let log = state.events.get(&client).into_iter().flatten().rev();
        let events = log.filter(|(n, e)| *n < before && e.at >= horizon && filter.matches(e));
        let page = paginate(events, page.limit, |(number, _)| number.to_string());
        Ok(page.map(|(_, event)| event.clone()))
    }
}

/// The embedded engine serves a single node: there is no other node to hear from or
/// to tell, so subscriptions and publications have nobody on the other side.
#[async_trait]
impl Broker for MemoryEngine {
    fn start_broker(&self, _sink: tokio::sync::mpsc::UnboundedSender<Inbound>) {}

    fn subscribe(&self, _room: RoomId) {}

    fn unsubscribe(&self, _room: RoomId) {}

    async fn publish(&self, _topic: Topic, _payload: String) -> Result<(), EngineError> {
        Ok(())
    }
}

#[async_trait]
impl Presence for MemoryEngine {
    async fn presence_refresh(
        &self,
        node: &str,
        room: RoomId,
        sessions: &[(UserId, SessionId)],
        ttl: std::time::Duration,
    ) -> Result<(), EngineError> {
        let expires = Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        let mut state = self.state()?;
        let entries = state.presence.entry(room).or_default();
        for &session in sessions {
            entries.insert(session, (node.to_owned(), expires));
        }
        Ok(())
    }

    async fn presence_remove(
        &self,
        _node: &str,
        room: RoomId,
        user: UserId,
        session: SessionId,
    ) -> Result<(), EngineError> {
        let mut state = self.state()?;
        if let Some(entries) = state.presence.get_mut(&room) {
            entries.remove(&(user, session));
            if entries.is_empty() {
                state.presence.remove(&room);
            }
        }
        Ok(())
    }

    async fn presence_online(&self, room: RoomId) -> Result<Vec<UserId>, EngineError> {
        let now = Utc::now();
        let mut state = self.state()?;
        let Some(entries) = state.presence.get_mut(&room) else {
            return Ok(Vec::new());
        };
        entries.retain(|_, (_, expires)| *expires > now);
        let users: BTreeSet<UserId> = entries.keys().map(|(user, _)| *user).collect();
        Ok(users.into_iter().collect())
    }

    async fn presence_clear_node(&self, node: &str) -> Result<(), EngineError> {
        let mut state = self.state()?;
        for entries in state.presence.values_mut() {
            entries.retain(|_, (owner, _)| owner != node);
        }
        state.presence.retain(|_, entries| !entries.is_empty());
        Ok(())
    }
}

/// A client's entries of an order index (keyed by client and order key), in order,
/// after the page's cursor.
fn after_cursor<'a, V>(
    index: &'a BTreeMap<(ClientId, String), V>,
    client: ClientId,
    page: &PageRequest,
) -> impl Iterator<Item = &'a V> {
    let start = match &page.cursor {
        Some(cursor) => Bound::Excluded((client, cursor.clone())),
        None => Bound::Included((client, String::new())),
    };
    index
        .range((start, Bound::Unbounded))
        .take_while(move |((owner, _), _)| *owner == client)
        .map(|(_, value)| value)
}

/// Takes at most `limit` items; when more follow, the cursor is the last item's key.
fn paginate<T>(
    items: impl Iterator<Item = T>,
    limit: usize,
    key: impl Fn(&T) -> String,
) -> Page<T> {
    let mut items = items.peekable();
    let data: Vec<T> = items.by_ref().take(limit).collect();
    let next_cursor = items.peek().and(data.last()).map(key);
    Page { data, next_cursor }
}
