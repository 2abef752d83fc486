//! Presence in memory: per room, and for connections in no room, each session's
//! node and expiry. Lapsed entries are
//! dropped as the room is read, as the Redis engine drops them as it is written.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::Utc;

use super::MemoryEngine;
use crate::{
    domain::ids::{RoomId, SessionId, UserId},
    engine::{EngineError, Presence},
};

#[async_trait]
impl Presence for MemoryEngine {
    async fn presence_refresh(
        &self,
        node: &str,
        room: RoomId,
        sessions: &[(UserId, SessionId)],
        ttl: std::time::Duration,
    ) -> Result<(), EngineError> {
        let expires = Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        let mut state = self.state()?;
        let entries = state.presence.entry(room).or_default();
        for &session in sessions {
            entries.insert(session, (node.to_owned(), expires));
        }
        Ok(())
    }

    async fn presence_remove(
        &self,
        _node: &str,
        room: RoomId,
        user: UserId,
        session: SessionId,
    ) -> Result<(), EngineError> {
        let mut state = self.state()?;
        if let Some(entries) = state.presence.get_mut(&room) {
            entries.remove(&(user, session));
            if entries.is_empty() {
                state.presence.remove(&room);
            }
        }
        Ok(())
    }

    async fn presence_online(&self, room: RoomId) -> Result<Vec<UserId>, EngineError> {
        let now = Utc::now();
        let mut state = self.state()?;
        let Some(entries) = state.presence.get_mut(&room) else {
            return Ok(Vec::new());
        };
        entries.retain(|_, (_, expires)| *expires > now);
        let users: BTreeSet<UserId> = entries.keys().map(|(user, _)| *user).collect();
        Ok(users.into_iter().collect())
    }

    async fn presence_clear_node(&self, node: &str) -> Result<(), EngineError> {
        let mut state = self.state()?;
        for entries in state.presence.values_mut() {
            entries.retain(|_, (owner, _)| owner != node);
        }
        state.presence.retain(|_, entries| !entries.is_empty());
        state.connections.retain(|_, (owner, _)| owner != node);
        Ok(())
    }

    async fn connections_refresh(
        &self,
        node: &str,
        sessions: &[(UserId, SessionId)],
        ttl: std::time::Duration,
    ) -> Result<(), EngineError> {
        let expires = Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        let mut state = self.state()?;
        for &session in sessions {
            state
                .connections
                .insert(session, (node.to_owned(), expires));
        }
        Ok(())
    }

    async fn connections_remove(
        &self,
        _node: &str,
        user: UserId,
        session: SessionId,
    ) -> Result<(), EngineError> {
        self.state()?.connections.remove(&(user, session));
        Ok(())
    }

    async fn users_connected(&self, users: &[UserId]) -> Result<Vec<UserId>, EngineError> {
        let now = Utc::now();
        let mut state = self.state()?;
        state.connections.retain(|_, (_, expires)| *expires > now);
        let connected: BTreeSet<UserId> = state.connections.keys().map(|(user, _)| *user).collect();
        Ok(users
            .iter()
            .copied()
            .filter(|user| connected.contains(user))
            .collect())
    }
}
