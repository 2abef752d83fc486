//! The cursors callers hold (`API.md` §3): opaque, and each bound to the list that
//! issued it.
//!
//! Inside the node a cursor is a *position*: where a listing resumes, in the form its
//! index keeps (an order key, a room id, an event id, a history `seq`; see
//! `engine::rules::paging`). Callers never see a position bare. The edge issues
//! `base64url(tag ":" position)`, and redeems a cursor only when it decodes, carries
//! the list's own tag, and holds a position of that list's shape. Anything else (junk,
//! broken base64, another list's cursor, a number too large for its field) is refused
//! before it reaches a store, so no back end ever reads a position it did not write:
//! a malformed one used to be an error 500 in one back end and an empty page in the
//! other.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};

use super::{ids::RoomId, message::HistoryRange};

/// A list that pages with cursors; its tag is written into each cursor it issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// `GET /users`: order keys of users.
    Users,
    /// `GET /rooms/all`: order keys of rooms.
    Rooms,
    /// `GET /rooms`: room ids.
    MyRooms,
    /// `GET /rooms/{id}/members`: order keys of memberships.
    Members,
    /// `GET /security-events`: event ids.
    SecurityEvents,
    /// `GET /rooms/{id}/messages`: a history window.
    History,
    /// `GET /notifications`: inbox keys (order keys of notifications).
    Notifications,
    /// `GET /webhooks`: order keys of webhooks.
    Webhooks,
    /// `GET /webhooks/{id}/deliveries`: delivery ids (stream ids).
    Deliveries,
}

impl Listing {
    fn tag(self) -> &'static str {
        match self {
            Listing::Users => "users",
            Listing::Rooms => "rooms",
            Listing::MyRooms => "my-rooms",
            Listing::Members => "members",
            Listing::SecurityEvents => "events",
            Listing::History => "history",
            Listing::Notifications => "inbox",
            Listing::Webhooks => "webhooks",
            Listing::Deliveries => "deliveries",
        }
    }

    /// Whether `position` has the shape of this list's positions.
    fn holds(self, position: &str) -> bool {
        match self {
            Listing::Users
            | Listing::Rooms
            | Listing::Members
            | Listing::Notifications
            | Listing::Webhooks => is_order_key(position),
            Listing::MyRooms => RoomId::parse(position).is_some(),
            Listing::SecurityEvents | Listing::Deliveries => event_id(position).is_some(),
            Listing::History => HistoryRange::from_position(position).is_some(),
        }
    }

    /// The cursor a caller is given for `position`.
    pub fn issue(self, position: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{position}", self.tag()))
    }

    /// The position of a cursor this list issued; `None` for any other text.
    pub fn redeem(self, cursor: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (tag, position) = text.split_once(':')?;
        (tag == self.tag() && self.holds(position)).then(|| position.to_owned())
    }
}

/// An order key (`domain::page::order_key`): 20 characters of nanoseconds, `:`, an id.
fn is_order_key(position: &str) -> bool {
    position.split_once(':').is_some_and(|(nanos, id)| {
        nanos.len() == 20 && nanos.parse::<i64>().is_ok() && uuid::Uuid::try_parse(id).is_ok()
    })
}

/// A security event's id, `{a}-{b}`, ordered as the pair `(a, b)`: a Redis stream id
/// as Redis writes it; the memory engine writes its log number as `0-{n}`, so both
/// back ends' cursors have this one shape.
pub fn event_id(position: &str) -> Option<(u64, u64)> {
    let (high, low) = position.split_once('-')?;
    Some((parse_number(high)?, parse_number(low)?))
}

/// Decimal digits only (no sign, no spaces) that fit a `u64`.
fn parse_number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl HistoryRange {
    /// How a history cursor writes the window after which the next page starts.
    pub fn position(self) -> String {
        match self {
            HistoryRange::Before(seq) => format!("before:{seq}"),
            HistoryRange::After(seq) => format!("after:{seq}"),
        }
    }

    pub fn from_position(position: &str) -> Option<Self> {
        match position.split_once(':')? {
            ("before", seq) => parse_number(seq).map(HistoryRange::Before),
            ("after", seq) => parse_number(seq).map(HistoryRange::After),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ids::UserId, page::order_key};

    #[test]
    fn a_cursor_redeems_only_in_the_list_that_issued_it() {
        let position = order_key(chrono::Utc::now(), UserId::random());
        let cursor = Listing::Users.issue(&position);
        assert_eq!(Listing::Users.redeem(&cursor), Some(position));
        assert_eq!(Listing::Rooms.redeem(&cursor), None);
        assert_eq!(Listing::Members.redeem(&cursor), None);
    }

    #[test]
    fn junk_and_forged_positions_are_refused() {
        for junk in ["", "junk", "!!!", "12", "dXNlcnM6", "%%%%"] {
            assert_eq!(Listing::Users.redeem(junk), None, "{junk}");
        }
        let forged = |listing: Listing, position: &str| {
            URL_SAFE_NO_PAD.encode(format!("{}:{position}", listing.tag()))
        };
        let huge = "99999999999999999999999";
        assert_eq!(Listing::Users.redeem(&forged(Listing::Users, "x")), None);
        let events = Listing::SecurityEvents;
        assert_eq!(events.redeem(&forged(events, huge)), None);
        assert_eq!(events.redeem(&forged(events, &format!("{huge}-0"))), None);
        assert_eq!(events.redeem(&forged(events, "1-+2")), None);
        assert!(events.redeem(&forged(events, "1700000000000-3")).is_some());
        let history = Listing::History;
        assert_eq!(
            history.redeem(&forged(history, &format!("after:{huge}"))),
            None
        );
        assert_eq!(history.redeem(&forged(history, "sideways:3")), None);
        assert_eq!(
            Listing::MyRooms.redeem(&forged(Listing::MyRooms, "3")),
            None
        );
    }

    #[test]
    fn history_positions_read_back() {
        for range in [HistoryRange::Before(7), HistoryRange::After(0)] {
            assert_eq!(HistoryRange::from_position(&range.position()), Some(range));
        }
    }
}
