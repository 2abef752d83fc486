//! Recording security events. A failure to record is logged, not returned: the action
//! it describes has already happened (a key was rotated, say), and refusing to hand
//! its result over would only hurt the caller.

use crate::{domain::security_event::SecurityEvent, engine::Engine};

pub async fn record(engine: &dyn Engine, event: SecurityEvent) {
    if let Err(err) = engine.record_event(&event).await {
        tracing::error!(kind = ?event.kind, error = %err, "security event not recorded");
    }
}
