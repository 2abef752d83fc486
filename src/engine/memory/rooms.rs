//! Rooms: the record, its counters (derived from what the room holds, never stored
//! apart), the creation-order index for `list_rooms`, and the one-room-per-pair index
//! of direct rooms.

use super::{after_cursor, RoomState, State};
use crate::{
    domain::{
        ids::{ClientId, RoomId, UserId},
        page::{Page, PageRequest},
        room::{Member, Membership, Room, RoomStats},
    },
    engine::rules::paging::{paginate, room_cursor},
};

impl State {
    pub(super) fn create_room(&mut self, room: &Room, members: &[Membership]) {
        self.rooms.insert(room.id, RoomState::new(room.clone()));
        self.room_order
            .insert((room.client_id, room_cursor(room)), room.id);
        for membership in members {
            self.insert_member(membership);
        }
    }

    pub(super) fn create_direct_room(&mut self, room: &Room, pair: &[Membership; 2]) -> RoomId {
        let [a, b] = pair;
        let key = (a.user_id.min(b.user_id), a.user_id.max(b.user_id));
        if let Some(&existing) = self.direct_pairs.get(&key) {
            if self.rooms.contains_key(&existing) {
                return existing;
            }
        }
        self.direct_pairs.insert(key, room.id);
        self.create_room(room, pair);
        room.id
    }

    pub(super) fn get_room(&self, id: RoomId) -> Option<(Room, RoomStats)> {
        self.rooms.get(&id).map(|r| (r.room.clone(), r.stats()))
    }

    pub(super) fn get_room_with_member(
        &self,
        id: RoomId,
        user: Option<UserId>,
    ) -> Option<(Room, RoomStats, Option<Member>)> {
        let room = self.rooms.get(&id)?;
        let member = user.and_then(|user| room.members.get(&user)).cloned();
        Some((room.room.clone(), room.stats(), member))
    }

    pub(super) fn list_rooms(
        &self,
        client: ClientId,
        page: &PageRequest,
    ) -> Page<(Room, RoomStats)> {
        let rooms = after_cursor(&self.room_order, client, page)
            .filter_map(|id| self.rooms.get(id))
            .map(|r| (r.room.clone(), r.stats()));
        paginate(rooms, page.limit, |(room, _)| room_cursor(room))
    }

    /// A room deleted meanwhile stays deleted: only a stored room is overwritten.
    pub(super) fn update_room(&mut self, room: &Room) {
        if let Some(state) = self.rooms.get_mut(&room.id) {
            state.room = room.clone();
        }
    }

    pub(super) fn delete_room(&mut self, room: &Room) -> Vec<UserId> {
        let Some(removed) = self.rooms.remove(&room.id) else {
            return Vec::new();
        };
        self.room_order.remove(&(room.client_id, room_cursor(room)));
        self.direct_pairs.retain(|_, id| *id != room.id);
        for message in &removed.messages {
            self.message_index.remove(&message.id);
        }
        let members: Vec<UserId> = removed.members.keys().copied().collect();
        for user in &members {
            if let Some(rooms) = self.user_rooms.get_mut(user) {
                rooms.remove(&room.id);
            }
        }
        members
    }
}
