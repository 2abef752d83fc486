//! Identifiers: random v4 UUIDs, one newtype per kind so they cannot be swapped.
//!
//! Every id made for a tenant (its users, rooms, messages, notifications and webhooks)
//! begins with the same 16 bits as its client id: the tenant's [`Shard`]. So a store
//! can keep a tenant's records together knowing nothing but an id, as Instagram's ids
//! carry their shard: the Redis engine makes the shard each key's hash tag, and every
//! script and transaction of a tenant stays within one Redis Cluster slot, whatever
//! ids it meets as it runs.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A tenant's shard: the first 16 bits of its client id. Shown as four hex digits, the
/// first four characters of every id in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shard(u16);

impl Shard {
    /// Parses the four hex digits of [`Shard`]'s `Display`.
    pub fn parse(text: &str) -> Option<Self> {
        // `from_str_radix` alone would also take a sign, or fewer digits.
        if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u16::from_str_radix(text, 16).ok().map(Self)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}", self.0)
    }
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random id.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }

            /// A fresh id in a tenant's shard: random but for its first 16 bits. The
            /// version and variant bits (bytes 6 and 8) stay those of a v4 UUID.
            pub fn random_in(shard: Shard) -> Self {
                let mut bytes = *Uuid::new_v4().as_bytes();
                let [high, low] = shard.0.to_be_bytes();
                bytes[0] = high;
                bytes[1] = low;
                Self(Uuid::from_bytes(bytes))
            }

            /// The shard this id was made in (for a client id, the tenant's own).
            pub fn shard(&self) -> Shard {
                let [high, low, ..] = *self.0.as_bytes();
                Shard(u16::from_be_bytes([high, low]))
            }

            /// Parses the hyphenated form; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                Uuid::try_parse(text).ok().map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

uuid_id!(
    /// A client application (tenant).
    ClientId
);
uuid_id!(
    /// A user of one client application.
    UserId
);
uuid_id!(
    /// A chat room of one client.
    RoomId
);
uuid_id!(
    /// A message in one room.
    MessageId
);
uuid_id!(
    /// A notification sent to one or more users of a client.
    NotificationId
);
uuid_id!(
    /// A webhook endpoint of one client.
    WebhookId
);
uuid_id!(
    /// One WebSocket connection.
    SessionId
);
uuid_id!(
    /// One running node of a cluster; tells its own broker messages from others'.
    NodeId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_made_in_a_shard_keeps_it_and_stays_a_v4_uuid() {
        let client = ClientId::random();
        let room = RoomId::random_in(client.shard());
        assert_eq!(room.shard(), client.shard());
        assert_eq!(room.to_string()[..4], client.to_string()[..4]);
        assert_eq!(room.0.get_version_num(), 4);
        assert_eq!(room.0.get_variant(), uuid::Variant::RFC4122);
        assert_ne!(RoomId::random_in(client.shard()), room);
    }

    #[test]
    fn a_shard_reads_back_its_four_hex_digits_only() {
        let shard = ClientId::random().shard();
        assert_eq!(Shard::parse(&shard.to_string()), Some(shard));
        assert_eq!(
            Shard::parse("0a1F").map(|s| s.to_string()),
            Some("0a1f".into())
        );
        for bad in ["", "abc", "abcde", "+abc", "wxyz"] {
            assert_eq!(Shard::parse(bad), None, "{bad}");
        }
    }
}
