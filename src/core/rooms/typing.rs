//! `typing`: a member starts or stops typing; the room tells the others, and says
//! "stopped" itself if no refresh comes within the typing timeout.

use async_trait::async_trait;

use super::{Effects, RoomCommand, RoomContext, Target};
use crate::{
    core::{events::Event, views::Done, ApiError},
    domain::ids::RoomId,
};

pub struct Typing {
    pub room_id: RoomId,
    pub is_typing: bool,
}

#[async_trait(?Send)]
impl RoomCommand for Typing {
    type Output = Done;

    fn target(&self) -> Target {
        Target::Room(self.room_id)
    }

    async fn run(self, ctx: &RoomContext, effects: &mut Effects) -> Result<Done, ApiError> {
        let loaded = ctx.load().await?;
        let user = loaded.access.member_id()?;
        effects.emit(Event::Typing {
            room_id: loaded.room.id,
            user_id: user,
            is_typing: self.is_typing,
        });
        effects.typing = Some((user, self.is_typing));
        Ok(Done {})
    }
}
