//! Paging, the one rule every listing shares: walk the items in the listing's order,
//! strictly after the request's cursor; take at most `limit`; and give the page a
//! `next_cursor` (the cursor of its last item) only when another item follows, so the
//! last page says it is the last and no caller ever fetches an empty page.
//!
//! A cursor here is the position of an item in its listing, and each back end keeps an
//! index in exactly that order. Callers see positions only wrapped, tagged with their
//! listing, by `domain::cursor`, whose edge check refuses any cursor the listing did
//! not issue, so a back end only ever reads a position of the shape it wrote:
//!
//! | listing | order | cursor |
//! |---|---|---|
//! | `list_users` | creation | [`user_cursor`] (`User::order_key`) |
//! | `list_rooms` | creation | [`room_cursor`] (`Room::order_key`) |
//! | `list_members` | joining | [`member_cursor`] (`Membership::order_key`) |
//! | `list_user_rooms` | room id | [`user_room_cursor`] (the room id) |
//! | `list_events` | newest first | the event's id (`domain::cursor::event_id`; Redis: the stream id; memory: `0-{n}`, its log number) |
//!
//! The Redis sets store these cursors as their members, so a member read back is the
//! cursor and the ordered sets need no other key.

use std::ops::ControlFlow;

use crate::domain::{
    ids::RoomId,
    page::Page,
    room::{Membership, Room},
    user::User,
};

/// Fills one page from items offered in listing order. Both back ends use it: memory
/// through [`paginate`], Redis as its batches arrive.
pub struct Pager<T> {
    limit: usize,
    data: Vec<T>,
    /// The cursor of the last item taken.
    last: Option<String>,
    /// Set when an item was offered after the page was full.
    more: bool,
}

impl<T> Pager<T> {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            data: Vec::new(),
            last: None,
            more: false,
        }
    }

    /// Offers the next item, with its cursor (computed only if the item is taken).
    /// Once the page is full the item is not taken: it only proves that another item
    /// follows, and `Break` says to stop reading.
    pub fn offer(&mut self, item: T, cursor: impl FnOnce(&T) -> String) -> ControlFlow<()> {
        if self.data.len() >= self.limit {
            self.more = true;
            return ControlFlow::Break(());
        }
        self.last = Some(cursor(&item));
        self.data.push(item);
        ControlFlow::Continue(())
    }

    /// The page. With a limit of 0 it is empty and has no cursor, since no item was
    /// taken to name where the next page starts.
    pub fn finish(self) -> Page<T> {
        Page {
            next_cursor: if self.more { self.last } else { None },
            data: self.data,
        }
    }
}

/// One page of `items` (already in listing order, after the cursor).
pub fn paginate<T>(
    items: impl IntoIterator<Item = T>,
    limit: usize,
    cursor: impl Fn(&T) -> String,
) -> Page<T> {
    let mut pager = Pager::new(limit);
    for item in items {
        if pager.offer(item, &cursor).is_break() {
            break;
        }
    }
    pager.finish()
}

pub fn user_cursor(user: &User) -> String {
    user.order_key()
}

pub fn room_cursor(room: &Room) -> String {
    room.order_key()
}

pub fn member_cursor(membership: &Membership) -> String {
    membership.order_key()
}

pub fn user_room_cursor(room: RoomId) -> String {
    room.to_string()
}

/// Where `list_user_rooms` resumes: after this room id. The edge lets only room ids
/// through; anything else would start from the top.
pub fn user_room_after(cursor: Option<&str>) -> Option<RoomId> {
    cursor.and_then(RoomId::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(items: std::ops::Range<u32>, limit: usize) -> Page<u32> {
        paginate(items, limit, u32::to_string)
    }

    #[test]
    fn a_full_page_has_a_cursor_only_when_more_follow() {
        let first = page(1..6, 2);
        assert_eq!(first.data, [1, 2]);
        assert_eq!(first.next_cursor.as_deref(), Some("2"));
        let exact = page(1..3, 2);
        assert_eq!(exact.data, [1, 2]);
        assert_eq!(exact.next_cursor, None);
        let short = page(1..2, 2);
        assert_eq!(short.data, [1]);
        assert_eq!(short.next_cursor, None);
    }

    #[test]
    fn an_empty_listing_or_a_zero_limit_gives_an_empty_page_without_cursor() {
        assert!(page(0..0, 5).data.is_empty());
        assert_eq!(page(0..0, 5).next_cursor, None);
        assert!(page(1..9, 0).data.is_empty());
        assert_eq!(page(1..9, 0).next_cursor, None);
    }

    #[test]
    fn the_pager_stops_reading_at_the_item_after_a_full_page() {
        let mut pager = Pager::new(1);
        assert!(pager.offer(1, |_| "a".into()).is_continue());
        assert!(pager.offer(2, |_| unreachable!("not taken")).is_break());
        let page = pager.finish();
        assert_eq!(page.data, [1]);
        assert_eq!(page.next_cursor.as_deref(), Some("a"));
    }

    #[test]
    fn a_user_room_cursor_reads_back_and_junk_starts_from_the_top() {
        let room = RoomId::random();
        let cursor = user_room_cursor(room);
        assert_eq!(user_room_after(Some(&cursor)), Some(room));
        assert_eq!(user_room_after(Some("junk")), None);
        assert_eq!(user_room_after(None), None);
    }
}
