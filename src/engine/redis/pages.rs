//! Paging through a lexically ordered sorted set (all scores 0), the index behind
//! every Redis listing but the security events.

use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Pipeline};

use super::{replies, timed, unexpected, Replies, SCAN_BATCH};
use crate::{
    domain::page::Page,
    engine::{rules::paging::Pager, EngineError},
};

/// The id at the end of an order key (`{nanos}:{id}`, see `domain::page::order_key`).
pub(super) fn ordered_id<T>(member: &str, parse: fn(&str) -> Option<T>) -> Result<T, EngineError> {
    member
        .rsplit(':')
        .next()
        .and_then(parse)
        .ok_or_else(|| unexpected("an order set", member))
}

/// One page of a lexically ordered set (all scores 0), after `cursor`. Every member
/// is its item's cursor (see `rules::paging`), so members feed the [`Pager`] as they
/// are. Each batch of members is loaded in one atomic pipeline: `queue` adds a
/// member's reads and `read` turns their replies into an item, or `None` for a record
/// gone meanwhile (or filtered out), which is skipped.
pub(super) async fn lex_page<T>(
    conn: &mut ConnectionManager,
    set: &str,
    cursor: Option<&str>,
    limit: usize,
    queue: impl Fn(&mut Pipeline, &str) -> Result<(), EngineError>,
    read: impl Fn(&mut Replies) -> Result<Option<T>, EngineError>,
) -> Result<Page<T>, EngineError> {
    let mut start = cursor.map_or_else(|| "-".to_owned(), |c| format!("({c}"));
    // One more than the page, so a full page knows whether another item follows.
    let batch = limit.saturating_add(1).min(SCAN_BATCH);
    let mut pager = Pager::new(limit);
    loop {
        let members: Vec<String> = timed(
            "page",
            conn.zrangebylex_limit(set, &start, "+", 0, batch as isize),
        )
        .await?;
        let Some(final_member) = members.last() else {
            break;
        };
        start = format!("({final_member}");
        let mut pipe = redis::pipe();
        pipe.atomic();
        for member in &members {
            queue(&mut pipe, member)?;
        }
        let mut replies = replies(conn, &pipe).await?;
        for member in &members {
            let Some(item) = read(&mut replies)? else {
                continue;
            };
            if pager.offer(item, |_| member.clone()).is_break() {
                return Ok(pager.finish());
            }
        }
        if members.len() < batch {
            break;
        }
    }
    Ok(pager.finish())
}
