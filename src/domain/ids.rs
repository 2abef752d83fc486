//! Identifiers: random v4 UUIDs, one newtype per kind so they cannot be swapped.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
