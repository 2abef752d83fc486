//! Memberships: each room's members with their read positions, the joining-order index
//! that `list_members` pages through, and each user's set of rooms.

use std::ops::Bound;

use super::State;
use crate::{
    domain::{
        ids::{RoomId, UserId},
        page::{Page, PageRequest},
        room::{Member, Membership, Room, RoomStats},
    },
    engine::{
        rules::paging::{member_cursor, paginate, user_room_after, user_room_cursor},
        AddMember,
    },
};

impl State {
    pub(super) fn add_member(&mut self, membership: &Membership, max_members: u32) -> AddMember {
        let Some(room) = self.rooms.get(&membership.room_id) else {
            return AddMember::RoomGone;
        };
        if !self.users.contains_key(&membership.user_id) {
            return AddMember::UserGone;
        }
        if room.members.contains_key(&membership.user_id) {
            return AddMember::AlreadyMember;
        }
        if room.members.len() as u64 >= u64::from(max_members) {
            return AddMember::Full;
        }
        let last_seq = room.messages.len() as u64;
        self.insert_member(membership);
        AddMember::Added { last_seq }
    }

    /// Removes a membership; returns whether there was one.
    pub(super) fn remove_member(&mut self, room: RoomId, user: UserId) -> bool {
        let Some(state) = self.rooms.get_mut(&room) else {
            return false;
        };
        let Some(member) = state.members.remove(&user) else {
            return false;
        };
        state
            .member_order
            .remove(&member_cursor(&member.membership));
        if let Some(rooms) = self.user_rooms.get_mut(&user) {
            rooms.remove(&room);
        }
        true
    }

    pub(super) fn get_member(&self, room: RoomId, user: UserId) -> Option<Member> {
        self.rooms
            .get(&room)
            .and_then(|r| r.members.get(&user))
            .cloned()
    }

    pub(super) fn list_members(&self, room: RoomId, page: &PageRequest) -> Page<Member> {
        let Some(room) = self.rooms.get(&room) else {
            return Page {
                data: Vec::new(),
                next_cursor: None,
            };
        };
        let start = match &page.cursor {
            Some(cursor) => Bound::Excluded(cursor.clone()),
            None => Bound::Unbounded,
        };
        let members = room
            .member_order
            .range((start, Bound::Unbounded))
            .filter_map(|(_, user)| room.members.get(user).cloned());
        paginate(members, page.limit, |m| member_cursor(&m.membership))
    }

    pub(super) fn list_user_rooms(
        &self,
        user: UserId,
        page: &PageRequest,
    ) -> Page<(Room, RoomStats, Member)> {
        let after = user_room_after(page.cursor.as_deref());
        let rooms = self
            .user_rooms
            .get(&user)
            .into_iter()
            .flatten()
            .filter(|id| after.is_none_or(|after| **id > after))
            .filter_map(|id| {
                let room = self.rooms.get(id)?;
                let member = room.members.get(&user)?;
                Some((room.room.clone(), room.stats(), member.clone()))
            });
        paginate(rooms, page.limit, |(room, _, _)| user_room_cursor(room.id))
    }

    pub(super) fn mark_read(&mut self, room: RoomId, user: UserId, seq: u64) -> Option<u64> {
        let member = self
            .rooms
            .get_mut(&room)
            .and_then(|r| r.members.get_mut(&user));
        member.map(|member| {
            member.last_read_seq = member.last_read_seq.max(seq);
            member.last_read_seq
        })
    }

    /// Adds a membership to a room that exists; the caller checked the rules.
    pub(super) fn insert_member(&mut self, membership: &Membership) {
        let Some(state) = self.rooms.get_mut(&membership.room_id) else {
            return;
        };
        let member = Member {
            membership: membership.clone(),
            last_read_seq: 0,
        };
        state
            .member_order
            .insert(member_cursor(membership), membership.user_id);
        state.members.insert(membership.user_id, member);
        self.user_rooms
            .entry(membership.user_id)
            .or_default()
            .insert(membership.room_id);
    }
}
