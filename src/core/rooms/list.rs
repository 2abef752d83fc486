//! `GET /rooms` (a user's own rooms, with unread counts) and `GET /rooms/all` (every
//! room of the client, master key).

use crate::{
    core::{
        auth::{MasterCaller, UserCaller},
        views::{MyRoomBody, RoomBody},
        ApiError, Core,
    },
    domain::page::{Page, PageRequest},
};

impl Core {
    pub async fn my_rooms(
        &self,
        caller: &UserCaller,
        page: &PageRequest,
    ) -> Result<Page<MyRoomBody>, ApiError> {
        let rooms = self.engine.list_user_rooms(caller.user.id, page).await?;
        Ok(rooms.map(|(room, stats, member)| MyRoomBody {
            unread_count: stats.last_seq.saturating_sub(member.last_read_seq),
            last_read_seq: member.last_read_seq,
            role: member.membership.role,
            room: RoomBody::new(room, stats, &self.node.inactivity),
        }))
    }

    /// Every room of the client, but the inactive ones unless `include_inactive`.
    /// They are left out of each page as read, so a page may hold fewer than
    /// `limit` rooms; `next_cursor` still says whether more follow.
    pub async fn all_rooms(
        &self,
        caller: &MasterCaller,
        include_inactive: bool,
        page: &PageRequest,
    ) -> Result<Page<RoomBody>, ApiError> {
        let rooms = self.engine.list_rooms(caller.client.id, page).await?;
        let mut rooms =
            rooms.map(|(room, stats)| RoomBody::new(room, stats, &self.node.inactivity));
        if !include_inactive {
            rooms.data.retain(|room| room.is_active);
        }
        Ok(rooms)
    }
}
