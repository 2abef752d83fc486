//! Messages: per room, a hash `seq` → JSON, the counters in `room:{id}:state`, and an
//! index `message:{id}` → `{room}:{seq}` (in the tenant's slot, like the rest).
//! Appending (numbering, idempotency, the announcement on the room's channel) is one
//! script.

use redis::{AsyncCommands, ScriptInvocation};

use super::{classify, records::*, timed, unexpected, RedisEngine, SCAN_BATCH, STATE_SEQ};
use crate::{
    domain::{
        analytics::{hour_of, USAGE_RETENTION_SECS},
        ids::{MessageId, RoomId},
        message::{Appended, HistoryRange, Message, IDEMPOTENCY_WINDOW},
        rate::{RateCheck, RateStatus},
    },
    engine::{rules::history, EngineError, Update},
};

/// One pipeline of `EVALSHA`s for the whole batch, which Redis runs in order, so the
/// batch's seqs ascend. The script is not loaded first: `SCRIPT LOAD` hashes the whole
/// body on every call, and that was a fifth of Redis's CPU with one send per batch.
/// Redis lacks the script only after a restart or a flush; then the refused
/// invocations (which did nothing) are sent again after one load. They keep their
/// order among themselves; only if another node loaded the script while the batch
/// was half-run could a later send of the batch be numbered before an earlier one.
pub(super) async fn append_messages(
    engine: &RedisEngine,
    batch: &[(&Message, Option<&RateCheck>)],
) -> Result<Vec<(Appended, Option<RateStatus>)>, EngineError> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let invocations = batch
        .iter()
        .map(|(message, rate)| invocation(engine, message, *rate))
        .collect::<Result<Vec<_>, _>>()?;
    let mut conn = engine.conn().await?;
    let mut replies = run(&mut conn, invocations.iter().collect()).await?;
    let refused: Vec<bool> = replies
        .iter()
        .map(|reply| matches!(reply, Err(err) if is_noscript(err)))
        .collect();
    if refused.contains(&true) {
        let load = engine.scripts.append_message.prepare_invoke();
        timed("append_message", load.load_async(&mut conn)).await?;
        let again = invocations
            .iter()
            .zip(&refused)
            .filter_map(|(invocation, refused)| refused.then_some(invocation));
        let mut again = run(&mut conn, again.collect()).await?.into_iter();
        for (reply, _) in replies
            .iter_mut()
            .zip(refused)
            .filter(|(_, refused)| *refused)
        {
            if let Some(retried) = again.next() {
                *reply = retried;
            }
        }
    }
    // A new message may have gone into its client's outboxes.
    let shards = batch.iter().map(|(message, _)| message.room_id.shard());
    engine.pending.queued(shards);
    batch
        .iter()
        .zip(replies)
        .map(|((message, rate), reply)| outcome(message, *rate, &reply.map_err(classify)?))
        .collect()
}

/// The invocations in one pipeline, each with its own reply or error.
async fn run(
    conn: &mut redis::aio::ConnectionManager,
    invocations: Vec<&ScriptInvocation<'_>>,
) -> Result<Vec<redis::RedisResult<Vec<String>>>, EngineError> {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for invocation in &invocations {
        pipe.invoke_script(invocation);
    }
    let replies: Vec<redis::RedisResult<Vec<String>>> =
        timed("append_message", pipe.query_async(conn)).await?;
    if replies.len() != invocations.len() {
        return Err(unexpected("append_message", "too few replies"));
    }
    Ok(replies)
}

/// Redis lacks the script (after a restart or a `SCRIPT FLUSH`).
pub(super) fn is_noscript(err: &redis::RedisError) -> bool {
    err.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript)
}

/// `append_message.lua`'s call for one message.
fn invocation<'a>(
    engine: &'a RedisEngine,
    message: &Message,
    rate: Option<&RateCheck>,
) -> Result<ScriptInvocation<'a>, EngineError> {
    let room = message.room_id;
    let mut invocation = engine.scripts.append_message.prepare_invoke();
    invocation
        .key(engine.keys.room(room))
        .key(engine.keys.room_state(room))
        .key(engine.keys.messages(room))
        .key(engine.keys.message(message.id))
        .key(engine.keys.members(room))
        .key(engine.keys.pending_webhooks(room.shard()))
        .arg(message_json(message)?)
        .arg(message.created_at.to_rfc3339())
        .arg(room.to_string())
        .arg(IDEMPOTENCY_WINDOW.num_milliseconds())
        .arg(engine.keys.room_channel(room))
        .arg(rate.map_or(0, |check| check.limit.interval_ms))
        .arg(rate.map_or(0, |check| check.limit.burst));
    let hour = hour_of(message.created_at);
    let shard = room.shard();
    invocation
        .arg(&engine.keys.usage_family(shard, hour).args())
        .arg(&engine.keys.active_family(shard, hour).args())
        .arg(USAGE_RETENTION_SECS)
        .arg(
            message
                .sender_id
                .map(|user| user.to_string())
                .unwrap_or_default(),
        )
        .arg(&engine.keys.client_webhooks_family(shard).args())
        .arg(&engine.keys.outbox_family(shard).args());
    if let Some(check) = rate {
        invocation.key(engine.keys.rate(check));
    }
    if let Some(cmid) = &message.client_msg_id {
        invocation.key(engine.keys.client_msg_id(room, message.sender_id, cmid));
    }
    Ok(invocation)
}

/// Reads one of the script's replies.
fn outcome(
    message: &Message,
    rate: Option<&RateCheck>,
    reply: &[String],
) -> Result<(Appended, Option<RateStatus>), EngineError> {
    let status = |numbers: &[String]| rate.map(|check| rate_status(check, numbers)).transpose();
    match reply {
        [outcome, seq, numbers @ ..] if outcome == "NEW" => {
            let stored = Message {
                seq: parse_seq(seq)?,
                ..message.clone()
            };
            Ok((Appended::New(stored), status(numbers)?))
        }
        [outcome, seq, original] if outcome == "DUPLICATE" => {
            let original = message_from_json(original, parse_seq(seq)?)?;
            Ok((Appended::Duplicate(original), None))
        }
        [outcome, numbers @ ..] if outcome == "LIMITED" => {
            Ok((Appended::Limited, status(numbers)?))
        }
        [outcome] if outcome == "GONE" => Ok((Appended::RoomGone, None)),
        [outcome] if outcome == "NOT_MEMBER" => Ok((Appended::NotMember, None)),
        [outcome] if outcome == "NOT_PERMITTED" => Ok((Appended::NotPermitted, None)),
        other => Err(unexpected("append_message", &other.join(" "))),
    }
}

/// Takes one unit from a rate-limit bucket: the same rule the append applies.
pub(super) async fn take(
    engine: &RedisEngine,
    check: &RateCheck,
) -> Result<RateStatus, EngineError> {
    let mut conn = engine.conn().await?;
    let reply: Vec<String> = timed(
        "take",
        engine
            .scripts
            .rate_limit
            .key(engine.keys.rate(check))
            .arg(check.limit.interval_ms)
            .arg(check.limit.burst)
            .invoke_async(&mut conn),
    )
    .await?;
    rate_status(check, &reply)
}

/// Reads gcra.lua's `{allowed, remaining, retry_after_ms, reset_ms}`.
pub(super) fn rate_status(
    check: &RateCheck,
    numbers: &[String],
) -> Result<RateStatus, EngineError> {
    let number = |text: &String| {
        text.parse::<u64>()
            .map_err(|_| unexpected("a rate-limit reply", &numbers.join(" ")))
    };
    match numbers {
        [allowed, remaining, retry_after, reset] => Ok(RateStatus {
            allowed: number(allowed)? == 1,
            limit: check.limit.burst,
            remaining: u32::try_from(number(remaining)?).unwrap_or(u32::MAX),
            retry_after_ms: number(retry_after)?,
            reset_ms: number(reset)?,
        }),
        _ => Err(unexpected("a rate-limit reply", &numbers.join(" "))),
    }
}

pub(super) async fn get_message(
    engine: &RedisEngine,
    id: MessageId,
) -> Result<Option<Message>, EngineError> {
    let mut conn = engine.conn().await?;
    let place: Option<String> = timed("get_message", conn.get(engine.keys.message(id))).await?;
    let Some(place) = place else {
        return Ok(None);
    };
    let (room, seq) = place
        .rsplit_once(':')
        .and_then(|(room, seq)| Some((RoomId::parse(room)?, seq.parse::<u64>().ok()?)))
        .ok_or_else(|| unexpected("the message index", &place))?;
    // The room may have been deleted since the index was read: then `None`.
    let text: Option<String> =
        timed("get_message", conn.hget(engine.keys.messages(room), seq)).await?;
    text.map(|text| message_from_json(&text, seq)).transpose()
}

pub(super) async fn list_messages(
    engine: &RedisEngine,
    room: RoomId,
    range: HistoryRange,
    limit: usize,
) -> Result<Vec<Message>, EngineError> {
    let mut conn = engine.conn().await?;
    let last: Option<String> = timed(
        "list_messages",
        conn.hget(engine.keys.room_state(room), STATE_SEQ),
    )
    .await?;
    let last = last.as_deref().map(parse_seq).transpose()?.unwrap_or(0);
    let seqs = history::window(range, limit, last);
    let key = engine.keys.messages(room);
    let mut messages = Vec::with_capacity(seqs.len());
    for batch in seqs.chunks(SCAN_BATCH) {
        let texts: Vec<Option<String>> = timed("list_messages", conn.hmget(&key, batch)).await?;
        for (seq, text) in batch.iter().zip(texts) {
            // Only a room deleted mid-read leaves a hole; skip it as memory would.
            if let Some(text) = text {
                messages.push(message_from_json(&text, *seq)?);
            }
        }
    }
    Ok(messages)
}

pub(super) async fn update_message(
    engine: &RedisEngine,
    before: &Message,
    after: &Message,
) -> Result<Update, EngineError> {
    let mut conn = engine.conn().await?;
    let reply: String = timed(
        "update_message",
        engine
            .scripts
            .update_message
            .key(engine.keys.messages(before.room_id))
            .arg(before.seq)
            .arg(message_json(before)?)
            .arg(message_json(after)?)
            .invoke_async(&mut conn),
    )
    .await?;
    match reply.as_str() {
        "OK" => Ok(Update::Applied),
        "STALE" => Ok(Update::Stale),
        other => Err(unexpected("update_message", other)),
    }
}
