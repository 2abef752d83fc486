//! Users: JSON records, the email and username indexes (per client, lower-cased; the
//! scripts keep them unique), and the creation-order set that `list_users` pages.

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use redis::Pipeline;

use super::{
    clients::{key_purge_ms, run_locating},
    messages::rate_status,
    next_reply,
    pages::{lex_page, ordered_id},
    purge::{self, Purge},
    records::*,
    timed, unexpected, RedisEngine, Replies,
};
use crate::{
    domain::{
        ids::{ClientId, UserId},
        keys::KeyRecord,
        page::{Page, PageRequest},
        rate::{RateCheck, RateStatus},
        user::{User, UserFilter},
    },
    engine::{rules::paging::user_cursor, EngineError, Update},
};

pub(super) async fn create_user(
    engine: &RedisEngine,
    user: &User,
    key: &KeyRecord,
) -> Result<(), EngineError> {
    let client = user.client_id;
    let mut invocation = engine.scripts.create_user.prepare_invoke();
    invocation
        .key(engine.keys.email(client, &user.email.key()))
        .key(engine.keys.username(client, &user.username.key()))
        .key(engine.keys.user(user.id))
        .key(engine.keys.user_order(client))
        .key(engine.keys.key_record(client.shard(), &key.digest))
        .key(engine.keys.user_key(user.id))
        .arg(user.id.to_string())
        .arg(to_json(user)?)
        .arg(user_cursor(user))
        .arg(key.digest.to_hex())
        .arg(key_purge_ms(key));
    for (field, value) in key_fields(key) {
        invocation.arg(field).arg(value);
    }
    let reply: String = run_locating(engine, "create_user", key, &invocation).await?;
    match reply.as_str() {
        "OK" => Ok(()),
        "EMAIL_TAKEN" => Err(EngineError::EmailTaken),
        "USERNAME_TAKEN" => Err(EngineError::UsernameTaken),
        other => Err(unexpected("create_user", other)),
    }
}

pub(super) async fn get_user(
    engine: &RedisEngine,
    id: UserId,
) -> Result<Option<User>, EngineError> {
    engine.get_json(engine.keys.user(id)).await
}

pub(super) async fn find_user_by_email(
    engine: &RedisEngine,
    client: ClientId,
    email_key: &str,
    rate: Option<&RateCheck>,
) -> Result<(Option<User>, Option<RateStatus>), EngineError> {
    let mut invocation = engine.scripts.find_user_by_email.prepare_invoke();
    invocation
        .key(engine.keys.email(client, email_key))
        .arg(&engine.keys.user_family(client.shard()).args())
        .arg(rate.map_or(0, |check| check.limit.interval_ms))
        .arg(rate.map_or(0, |check| check.limit.burst));
    if let Some(check) = rate {
        invocation.key(engine.keys.rate(check));
    }
    let mut conn = engine.conn().await?;
    let reply: Vec<String> =
        timed("find_user_by_email", invocation.invoke_async(&mut conn)).await?;
    let (numbers, found) = reply.split_at(reply.len().min(4));
    let status = rate.map(|check| rate_status(check, numbers)).transpose()?;
    let user = match found {
        [] => None,
        [id, ..] if UserId::parse(id).is_none() => {
            return Err(EngineError::Corrupt(anyhow!("bad id in the email index")))
        }
        // The user is gone meanwhile.
        [_] => None,
        [_, user] => Some(from_json(user)?),
        _ => return Err(unexpected("find_user_by_email", &reply.join(" "))),
    };
    Ok((user, status))
}

pub(super) async fn list_users(
    engine: &RedisEngine,
    client: ClientId,
    filter: &UserFilter,
    page: &PageRequest,
) -> Result<Page<User>, EngineError> {
    let mut conn = engine.conn().await?;
    let queue = |pipe: &mut Pipeline, member: &str| {
        pipe.get(engine.keys.user(ordered_id(member, UserId::parse)?));
        Ok(())
    };
    let read = |replies: &mut Replies| {
        let text: Option<String> = next_reply(replies)?;
        let user = text.map(|text| from_json::<User>(&text)).transpose()?;
        Ok(user.filter(|user| filter.matches(user)))
    };
    let order = engine.keys.user_order(client);
    lex_page(
        &mut conn,
        &order,
        page.cursor.as_deref(),
        page.limit,
        queue,
        read,
    )
    .await
}

pub(super) async fn update_user(
    engine: &RedisEngine,
    before: &User,
    after: &User,
    revoked_at: DateTime<Utc>,
) -> Result<Update, EngineError> {
    let mut conn = engine.conn().await?;
    let reply: String = timed(
        "update_user",
        engine
            .scripts
            .update_user
            .key(engine.keys.user(before.id))
            .key(
                engine
                    .keys
                    .username(before.client_id, &before.username.key()),
            )
            .key(engine.keys.username(after.client_id, &after.username.key()))
            .key(engine.keys.user_key(before.id))
            .arg(&engine.revocation_args(before.id.shard(), revoked_at))
            .arg(to_json(before)?)
            .arg(to_json(after)?)
            .arg(after.id.to_string())
            .arg(if after.is_active { "0" } else { "1" })
            .invoke_async(&mut conn),
    )
    .await?;
    match reply.as_str() {
        "OK" => Ok(Update::Applied),
        "STALE" => Ok(Update::Stale),
        "USERNAME_TAKEN" => Err(EngineError::UsernameTaken),
        other => Err(unexpected("update_user", other)),
    }
}

/// Makes the user absent and its key revoked in one atomic step, then removes its
/// memberships in bounded chunks (`purge.rs`).
pub(super) async fn delete_user(
    engine: &RedisEngine,
    user: &User,
    revoked_at: DateTime<Utc>,
) -> Result<bool, EngineError> {
    let mut conn = engine.conn().await?;
    purge::announce(engine, &mut conn, user.id.shard()).await?;
    let purge = Purge::User(user.id);
    let deleted: i64 = timed(
        "delete_user",
        engine
            .scripts
            .delete_user
            .key(engine.keys.user(user.id))
            .key(engine.keys.email(user.client_id, &user.email.key()))
            .key(engine.keys.username(user.client_id, &user.username.key()))
            .key(engine.keys.user_order(user.client_id))
            .key(engine.keys.user_key(user.id))
            .key(engine.keys.user_rooms(user.id))
            .key(engine.keys.purged_user_rooms(user.id))
            .key(engine.keys.purges(user.id.shard()))
            .arg(&engine.revocation_args(user.id.shard(), revoked_at))
            .arg(user_cursor(user))
            .arg(purge.entry())
            .arg(Utc::now().timestamp_millis())
            .invoke_async(&mut conn),
    )
    .await?;
    if deleted != 1 {
        return Ok(false);
    }
    purge::finish(engine, &mut conn, purge).await?;
    Ok(true)
}
