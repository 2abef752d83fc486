//! `GET /rooms/{id}/members`: the master key or a member lists the members, each with
//! whether they are online on any node.

use std::collections::HashSet;

use async_trait::async_trait;

use super::{Effects, RoomCommand, RoomContext, Target};
use crate::{
    core::{views::MemberBody, ApiError},
    domain::{
        ids::{RoomId, UserId},
        page::{Page, PageRequest},
    },
};

pub struct ListMembers {
    pub room_id: RoomId,
    pub page: PageRequest,
}

#[async_trait(?Send)]
impl RoomCommand for ListMembers {
    type Output = Page<MemberBody>;

    fn target(&self) -> Target {
        Target::Room(self.room_id)
    }

    async fn run(self, ctx: &RoomContext, _: &mut Effects) -> Result<Page<MemberBody>, ApiError> {
        let loaded = ctx.load().await?;
        loaded.access.require_insider()?;
        let room = loaded.room.id;
        let members = ctx.engine.list_members(room, &self.page).await?;
        let online: HashSet<UserId> = ctx
            .engine
            .presence_online(room)
            .await?
            .into_iter()
            .collect();
        let mut data = Vec::with_capacity(members.data.len());
        for member in members.data {
            let user_id = member.membership.user_id;
            let user = ctx.engine.get_user(user_id).await?;
            let username = user.map(|u| u.username.as_str().to_owned());
            data.push(MemberBody::new(member, username, online.contains(&user_id)));
        }
        Ok(Page {
            data,
            next_cursor: members.next_cursor,
        })
    }
}
