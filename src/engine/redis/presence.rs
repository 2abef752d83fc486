//! Presence in Redis: per room, a sorted set of `{user}:{session}@{node}` scored by
//! expiry, and per user the same of its connections (`{session}@{node}`); per node,
//! the set of its entries of each kind, so a restarted node can clear them.

use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use redis::AsyncCommands;

use super::{timed, RedisEngine};
use crate::{
    domain::ids::{RoomId, SessionId, UserId},
    engine::{EngineError, Presence},
};

/// A presence entry's member in a room's sorted set: the node is part of it, so a
/// node's clean-up can never remove another node's entry.
fn presence_member(node: &str, user: UserId, session: SessionId) -> String {
    format!("{user}:{session}@{node}")
}

#[async_trait]
impl Presence for RedisEngine {
    async fn presence_refresh(
        &self,
        node: &str,
        room: RoomId,
        sessions: &[(UserId, SessionId)],
        ttl: Duration,
    ) -> Result<(), EngineError> {
        if sessions.is_empty() {
            return Ok(());
        }
        let expires =
            Utc::now().timestamp_millis() + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let room_key = self.keys.room_presence(room);
        let node_key = self.keys.node_presence(node);
        let mut pipe = redis::pipe();
        // Entries of nodes that died are dropped here, by whoever refreshes next.
        pipe.zrembyscore(&room_key, "-inf", Utc::now().timestamp_millis())
            .ignore();
        for &(user, session) in sessions {
            let member = presence_member(node, user, session);
            pipe.zadd(&room_key, &member, expires).ignore();
            pipe.sadd(&node_key, format!("{room}|{member}")).ignore();
        }
        let mut conn = self.conn().await?;
        timed("presence_refresh", pipe.query_async::<()>(&mut conn)).await
    }

    async fn presence_remove(
        &self,
        node: &str,
        room: RoomId,
        user: UserId,
        session: SessionId,
    ) -> Result<(), EngineError> {
        let member = presence_member(node, user, session);
        let mut pipe = redis::pipe();
        pipe.zrem(self.keys.room_presence(room), &member).ignore();
        pipe.srem(self.keys.node_presence(node), format!("{room}|{member}"))
            .ignore();
        let mut conn = self.conn().await?;
        timed("presence_remove", pipe.query_async::<()>(&mut conn)).await
    }

    async fn presence_online(&self, room: RoomId) -> Result<Vec<UserId>, EngineError> {
        let now = Utc::now().timestamp_millis();
        let key = self.keys.room_presence(room);
        let mut conn = self.conn().await?;
        let members: Vec<String> = timed(
            "presence_online",
            conn.zrangebyscore(&key, format!("({now}"), "+inf"),
        )
        .await?;
        let users: std::collections::BTreeSet<UserId> = members
            .iter()
            .filter_map(|m| m.split(':').next().and_then(UserId::parse))
            .collect();
        Ok(users.into_iter().collect())
    }

    async fn presence_clear_node(&self, node: &str) -> Result<(), EngineError> {
        let node_key = self.keys.node_presence(node);
        let mut conn = self.conn().await?;
        let entries: Vec<String> = timed("presence_clear_node", conn.smembers(&node_key)).await?;
        let mut pipe = redis::pipe();
        for entry in &entries {
            let Some((room, member)) = entry.split_once('|') else {
                continue;
            };
            if let Some(room) = RoomId::parse(room) {
                pipe.zrem(self.keys.room_presence(room), member).ignore();
            }
        }
        pipe.del(&node_key).ignore();
        let node_connections = self.keys.node_connections(node);
        let connections: Vec<String> =
            timed("presence_clear_node", conn.smembers(&node_connections)).await?;
        for entry in &connections {
            let Some((user, member)) = entry.split_once('|') else {
                continue;
            };
            if let Some(user) = UserId::parse(user) {
                pipe.zrem(self.keys.user_connections(user), member).ignore();
            }
        }
        pipe.del(&node_connections).ignore();
        timed("presence_clear_node", pipe.query_async::<()>(&mut conn)).await
    }

    async fn connections_refresh(
        &self,
        node: &str,
        sessions: &[(UserId, SessionId)],
        ttl: Duration,
    ) -> Result<(), EngineError> {
        if sessions.is_empty() {
            return Ok(());
        }
        let now = Utc::now().timestamp_millis();
        let expires = now + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let node_key = self.keys.node_connections(node);
        let mut pipe = redis::pipe();
        for &(user, session) in sessions {
            let key = self.keys.user_connections(user);
            let member = format!("{session}@{node}");
            // Lapsed entries (of nodes that died) go as the user's set is written.
            pipe.zrembyscore(&key, "-inf", now).ignore();
            pipe.zadd(&key, &member, expires).ignore();
            pipe.sadd(&node_key, format!("{user}|{member}")).ignore();
        }
        let mut conn = self.conn().await?;
        timed("connections_refresh", pipe.query_async::<()>(&mut conn)).await
    }

    async fn connections_remove(
        &self,
        node: &str,
        user: UserId,
        session: SessionId,
    ) -> Result<(), EngineError> {
        let member = format!("{session}@{node}");
        let mut pipe = redis::pipe();
        pipe.zrem(self.keys.user_connections(user), &member)
            .ignore();
        pipe.srem(self.keys.node_connections(node), format!("{user}|{member}"))
            .ignore();
        let mut conn = self.conn().await?;
        timed("connections_remove", pipe.query_async::<()>(&mut conn)).await
    }

    async fn users_connected(&self, users: &[UserId]) -> Result<Vec<UserId>, EngineError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let now = format!("({}", Utc::now().timestamp_millis());
        let mut pipe = redis::pipe();
        for &user in users {
            pipe.zcount(self.keys.user_connections(user), &now, "+inf");
        }
        let mut conn = self.conn().await?;
        let counts: Vec<u64> = timed("users_connected", pipe.query_async(&mut conn)).await?;
        Ok(users
            .iter()
            .zip(counts)
            .filter(|(_, count)| *count > 0)
            .map(|(user, _)| *user)
            .collect())
    }
}
