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

    /// The page's next position is the window past its last message, in the same
    /// direction, given only when a message follows (the paging rule of every list):
    /// one message more than the page is read to know.
    async fn run(self, ctx: &RoomContext, _: &mut Effects) -> Result<Page<MessageBody>, ApiError> {
        let loaded = ctx.load().await?;
        loaded.access.require_insider()?;
        let mut messages = ctx
            .engine
            .list_messages(loaded.room.id, self.range, self.limit.saturating_add(1))
            .await?;
        let more = messages.len() > self.limit;
        messages.truncate(self.limit);
        let next = |seq| match self.range {
            HistoryRange::Before(_) => HistoryRange::Before(seq),
            HistoryRange::After(_) => HistoryRange::After(seq),
        };
        let next_cursor = messages
            .last()
            .filter(|_| more)
            .map(|last| next(last.seq).position());
        let data = messages.iter().map(MessageBody::from).collect();
        Ok(Page { data, next_cursor })
    }
}
