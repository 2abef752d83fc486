//! Webhooks (`API.md` §7): a client's HTTP endpoints, the events each wants, the
//! events waiting in each one's outbox, and the log of every delivery attempt.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ClientId, WebhookId};

/// Every event a webhook can ask for.
pub const EVENT_NAMES: &[&str] = &[
    "message.created",
    "message.updated",
    "message.deleted",
    "reaction.updated",
    "room.created",
    "room.updated",
    "room.deleted",
    "member.joined",
    "member.left",
    "user.created",
    "user.updated",
    "user.deleted",
    "user.login",
    "notification.created",
];

/// The most webhooks one client may hold: each costs every event a lookup.
pub const MAX_WEBHOOKS: usize = 20;

/// Which events a webhook gets: every one, or those named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvents(pub Vec<String>);

impl WebhookEvents {
    /// `["*"]`, or one or more names from [`EVENT_NAMES`], each once.
    pub fn parse(mut names: Vec<String>) -> Result<Self, String> {
        names.sort();
        names.dedup();
        if names.is_empty() {
            return Err("must name at least one event, or \"*\"".to_owned());
        }
        if names.iter().any(|n| n == "*") {
            return if names.len() == 1 {
                Ok(Self(names))
            } else {
                Err("\"*\" stands alone".to_owned())
            };
        }
        match names.iter().find(|n| !EVENT_NAMES.contains(&n.as_str())) {
            Some(unknown) => Err(format!("{unknown} is not an event")),
            None => Ok(Self(names)),
        }
    }

    pub fn matches(&self, event: &str) -> bool {
        self.0.iter().any(|name| name == "*" || name == event)
    }

    /// The form the Redis scripts match against: `*`, or `,a,b,` (so a name is
    /// found as `,name,`).
    pub fn encoded(&self) -> String {
        if self.0.iter().any(|n| n == "*") {
            "*".to_owned()
        } else {
            format!(",{},", self.0.join(","))
        }
    }
}

/// A webhook as stored. The secret is kept as is, since it must sign every body;
/// the API shows it once, at creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: WebhookId,
    pub client_id: ClientId,
    pub url: String,
    pub events: WebhookEvents,
    pub secret: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Webhook {
    /// Orders a client's webhooks by creation; also the list cursor.
    pub fn order_key(&self) -> String {
        super::page::order_key(self.created_at, self.id)
    }
}

/// One event waiting in a webhook's outbox, as the store keeps it. A new message is
/// put there by the append itself (so events leave in `seq` order whichever node
/// appended), before its `seq` is known: the store writes the `seq` beside it.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxEntry {
    /// `message.created`: the stored message's JSON (with `seq` 0) and its `seq`.
    Message { seq: u64, message: String },
    /// Any other event: its whole body.
    Event(String),
}

impl OutboxEntry {
    /// One line: `M|{seq}|{json}` or `E|{json}`. The Redis append script writes the
    /// first form itself.
    pub fn encode(&self) -> String {
        match self {
            OutboxEntry::Message { seq, message } => format!("M|{seq}|{message}"),
            OutboxEntry::Event(body) => format!("E|{body}"),
        }
    }

    pub fn decode(text: &str) -> Option<Self> {
        if let Some(rest) = text.strip_prefix("M|") {
            let (seq, message) = rest.split_once('|')?;
            return Some(OutboxEntry::Message {
                seq: seq.parse().ok()?,
                message: message.to_owned(),
            });
        }
        text.strip_prefix("E|")
            .map(|body| OutboxEntry::Event(body.to_owned()))
    }
}

/// The head of a webhook's outbox as a worker holds it: the entry and how many
/// attempts it has had.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub entry: OutboxEntry,
    /// Attempts made before this one.
    pub attempts: u32,
    /// When the next attempt is due (now, for a fresh entry).
    pub due_at: DateTime<Utc>,
}

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Succeeded,
    /// Failed; it will be tried again.
    Failed,
    /// Failed for the last time: 24 h of retries are over.
    GaveUp,
}

/// One attempt, as the deliveries log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Filled by the store: its place in the log.
    #[serde(default)]
    pub id: String,
    pub webhook_id: WebhookId,
    pub event_id: String,
    pub event: String,
    pub attempt: u32,
    pub status: DeliveryStatus,
    pub response_code: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
    /// What was sent, so a replay sends it again.
    pub entry: String,
}

/// What a worker did with the head of an outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Delivered or given up: remove it, the next one is due.
    Done,
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_take_star_alone_or_known_names() {
        assert!(WebhookEvents::parse(vec!["*".into()])
            .unwrap()
            .matches("user.login"));
        let some =
            WebhookEvents::parse(vec!["room.created".into(), "room.created".into()]).unwrap();
        assert_eq!(some.encoded(), ",room.created,");
        assert!(!some.matches("room.deleted"));
        assert!(WebhookEvents::parse(vec![]).is_err());
        assert!(WebhookEvents::parse(vec!["*".into(), "room.created".into()]).is_err());
        assert!(WebhookEvents::parse(vec!["room.exploded".into()]).is_err());
    }

    #[test]
    fn outbox_entries_read_back() {
        for entry in [
            OutboxEntry::Message {
                seq: 7,
                message: "{\"a\":\"x|y\"}".into(),
            },
            OutboxEntry::Event("{}".into()),
        ] {
            assert_eq!(OutboxEntry::decode(&entry.encode()), Some(entry));
        }
        assert_eq!(OutboxEntry::decode("junk"), None);
    }
}
