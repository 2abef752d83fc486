//! `GET /security-events`: the calling client's audit trail, newest first.

use crate::{
    core::{auth::MasterCaller, ApiError, Core},
    domain::{
        page::{Page, PageRequest},
        security_event::{EventFilter, SecurityEvent},
    },
};

impl Core {
    pub async fn security_events(
        &self,
        caller: &MasterCaller,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Result<Page<SecurityEvent>, ApiError> {
        Ok(self
            .engine
            .list_events(caller.client.id, filter, page)
            .await?)
    }
}
