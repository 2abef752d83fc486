//! `GET /rooms/{id}/messages`: the master key or a member pages through the history.

use async_trait::async_trait;

use crate::{
    core::{
        rooms::{Effects, RoomCommand, RoomContext, Target},
        views::MessageBody,
        ApiError,
    },
    domain::{ids::RoomId, message::HistoryRange, page::Page},
};

pub struct History {
    pub room_id: RoomId,
    pub range: HistoryRange,
    pub limit: usize,
}

#[async_trait(?Send)]
impl RoomCommand for History {
    type Output = Page<MessageBody>;

    fn target(&self) -> Target {
        Target::Room(self.room_id)
    }

    async fn run(self, ctx: &RoomContext, _: &mut Effects) -> Result<Page<MessageBody>, ApiError> {
        let loaded = ctx.load().await?;
        loaded.access.require_insider()?;
        let messages = ctx
            .engine
            .list_messages(loaded.room.id, self.range, self.limit)
            .await?;
        let next_cursor = (messages.len() == self.limit)
            .then(|| messages.last().map(|m| m.seq.to_string()))
            .flatten();
        let data = messages.iter().map(MessageBody::from).collect();
        Ok(Page { data, next_cursor })
    }
}
