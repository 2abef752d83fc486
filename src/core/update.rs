//! Compare-and-set, the one retry loop for records any node may change at the same
//! moment (users, messages): read, change a copy, write it only if the stored record
//! still equals what was read, and on a conflict read again and re-apply the change.

use async_trait::async_trait;

use crate::{
    core::{ApiError, ErrorCode},
    domain::{message::Message, user::User},
    engine::{Engine, Update},
};

/// How often a change is re-applied after another writer got there first.
const ATTEMPTS: usize = 8;

/// A record the store replaces by compare-and-set.
#[async_trait(?Send)]
pub trait Versioned: Clone {
    /// Replaces `self` (as read) with `after`, unless the store holds something else.
    async fn replace(&self, engine: &dyn Engine, after: &Self) -> Result<Update, ApiError>;
    /// The record as stored now; its not-found error if it is gone.
    async fn reload(&self, engine: &dyn Engine) -> Result<Self, ApiError>;
}

/// A change's result: the record as read before the write that succeeded, and what
/// was written (`None` when the change found nothing to do).
pub struct Compared<T> {
    pub before: T,
    pub after: Option<T>,
}

impl<T> Compared<T> {
    /// The record as it stands now.
    pub fn current(self) -> T {
        self.after.unwrap_or(self.before)
    }
}

/// Applies `change` to `record` and writes it. `change` edits the copy it is given and
/// returns whether it changed anything; if not, nothing is written.
pub async fn compare_and_set<T: Versioned>(
    engine: &dyn Engine,
    mut record: T,
    mut change: impl FnMut(&mut T) -> Result<bool, ApiError>,
) -> Result<Compared<T>, ApiError> {
    for _ in 0..ATTEMPTS {
        let mut after = record.clone();
        if !change(&mut after)? {
            return Ok(Compared {
                before: record,
                after: None,
            });
        }
        match record.replace(engine, &after).await? {
            Update::Applied => {
                return Ok(Compared {
                    before: record,
                    after: Some(after),
                })
            }
            Update::Stale => record = record.reload(engine).await?,
        }
    }
    Err(ApiError::with_detail(
        ErrorCode::ServiceUnavailable,
        "The record is being changed concurrently; retry",
    ))
}

#[async_trait(?Send)]
impl Versioned for User {
    /// A deactivation revokes the live key in the same write, as of the edit.
    async fn replace(&self, engine: &dyn Engine, after: &Self) -> Result<Update, ApiError> {
        Ok(engine.update_user(self, after, after.updated_at).await?)
    }

    async fn reload(&self, engine: &dyn Engine) -> Result<Self, ApiError> {
        engine
            .get_user(self.id)
            .await?
            .ok_or_else(|| ErrorCode::UserNotFound.into())
    }
}

#[async_trait(?Send)]
impl Versioned for Message {
    async fn replace(&self, engine: &dyn Engine, after: &Self) -> Result<Update, ApiError> {
        Ok(engine.update_message(self, after).await?)
    }

    async fn reload(&self, engine: &dyn Engine) -> Result<Self, ApiError> {
        engine
            .get_message(self.id)
            .await?
            .ok_or_else(|| ErrorCode::MessageNotFound.into())
    }
}
