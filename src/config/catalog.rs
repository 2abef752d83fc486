//! The one list of settings: what start-up accepts, what `chatapi --help` prints, and
//! the README's settings table (a test holds the README to [`table`]).

/// One environment variable the node reads.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub name: &'static str,
    /// As the README shows it (Markdown).
    pub default: &'static str,
    /// As the README shows it (Markdown).
    pub meaning: &'static str,
}

/// Every setting, in the README's order.
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: "CHATAPI_HOST",
        default: "`127.0.0.1`",
        meaning: "IP address to listen on (`0.0.0.0` to expose)",
    },
    Setting {
        name: "CHATAPI_PORT",
        default: "`8000`",
        meaning: "port (`0` picks a free one)",
    },
    Setting {
        name: "CHATAPI_WORKERS",
        default: "number of cores",
        meaning: "HTTP worker threads",
    },
    Setting {
        name: "REDIS_URL",
        default: "unset",
        meaning: "unset: in-process store, one node. Set (`redis://host:6379`): state in Redis",
    },
    Setting {
        name: "CHATAPI_REDIS_PREFIX",
        default: "`chatapi:`",
        meaning: "prefix of every Redis key, so deployments can share a Redis (no `{` or `}`: each tenant's keys carry a hash tag for Redis Cluster)",
    },
    Setting {
        name: "CHATAPI_SCOPED_KEY_TTL",
        default: "`604800`",
        meaning: "scoped key lifetime in seconds (7 days; 1 s to 10 years)",
    },
    Setting {
        name: "CHATAPI_ADMIN_TOKEN",
        default: "unset",
        meaning: "when set (≥ 16 characters), `POST /clients` requires `Authorization: Bearer <token>`",
    },
    Setting {
        name: "CHATAPI_LOG",
        default: "`info`",
        meaning: "tracing filter, e.g. `info,chatapi=debug`",
    },
    Setting {
        name: "CHATAPI_NODE_ID",
        default: "a random id per start",
        meaning: "this node's name in a cluster (1–64 of `A-Z a-z 0-9 _ . -`). Give each node a stable, distinct name: a restarted node then clears the presence it left behind at start",
    },
    Setting {
        name: "CHATAPI_PRESENCE_TTL",
        default: "`30`",
        meaning: "seconds a presence entry lives without a refresh (2 to 3600): a killed node's users go offline within it",
    },
    Setting {
        name: "CHATAPI_PRESENCE_EVENTS_MAX_MEMBERS",
        default: "`100`",
        meaning: "rooms with more members than this get no per-user `presence` frames; members ask with `presence.query` or `GET /rooms/{id}/presence` (0 to 1000000; `0`: no presence frames at all)",
    },
    Setting {
        name: "CHATAPI_MAX_SOCKETS",
        default: "`0` (no cap)",
        meaning: "WebSockets this node holds at once (0 to 100000000); a handshake past it is 503 `SERVICE_UNAVAILABLE` with `Retry-After`. An upgraded socket no longer counts against the HTTP server's connection limit per worker, so this is the node's bound",
    },
    Setting {
        name: "CHATAPI_TRUSTED_PROXIES",
        default: "unset",
        meaning: "comma-separated addresses or networks (`10.0.0.0/8,127.0.0.1`) of load balancers whose `X-Forwarded-For` is believed, read from the right; without it the peer address is the client's",
    },
    Setting {
        name: "CHATAPI_CORS_ORIGINS",
        default: "unset",
        meaning: "comma-separated web origins (`https://app.example.com,http://localhost:3000`) whose pages may call the API from a browser; each must be `http(s)://host[:port]` and nothing more (no `*`, no path). Unset: no cross-origin access. See [Browsers](#browsers-and-the-javascript-client)",
    },
    Setting {
        name: "CHATAPI_RATE_MESSAGES_PER_SEC",
        default: "`20`",
        meaning: "messages a user may send per second, REST and WebSocket together, all nodes together (`0`: no limit)",
    },
    Setting {
        name: "CHATAPI_RATE_MESSAGES_BURST",
        default: "`40`",
        meaning: "how many of those may come at once (`0`: no limit)",
    },
    Setting {
        name: "CHATAPI_RATE_LOGINS_PER_MIN",
        default: "`10`",
        meaning: "`POST /users/login` calls per email (known or not, any case) per minute (`0`: no limit)",
    },
    Setting {
        name: "CHATAPI_RATE_WS_CONNECTS_PER_MIN",
        default: "`30`",
        meaning: "WebSocket connects per user per minute (`0`: no limit)",
    },
    Setting {
        name: "CHATAPI_RATE_AUTH_FAILURES_PER_MIN",
        default: "`100`",
        meaning: "failed authentications per client address per minute (`0`: no limit)",
    },
    Setting {
        name: "CHATAPI_WEBHOOKS_ALLOW_PRIVATE",
        default: "`false`",
        meaning: "`true` lets webhooks reach loopback, private and link-local addresses (local receivers, tests)",
    },
    Setting {
        name: "CHATAPI_WEBHOOKS_RETRY_BASE_MS",
        default: "`1000`",
        meaning: "wait before a webhook's first retry (10–600000 ms), doubled for each next one, at most 10 minutes",
    },
    Setting {
        name: "CHATAPI_INACTIVE_DIRECT_DAYS",
        default: "`90`",
        meaning: "days without a message after which a direct room is inactive (1–36500)",
    },
    Setting {
        name: "CHATAPI_INACTIVE_GROUP_DAYS",
        default: "`30`",
        meaning: "the same for group rooms",
    },
    Setting {
        name: "CHATAPI_INACTIVE_CHANNEL_DAYS",
        default: "`180`",
        meaning: "the same for channels",
    },
    Setting {
        name: "CHATAPI_INACTIVE_SUPPORT_DAYS",
        default: "`7`",
        meaning: "the same for support rooms",
    },
];

/// The README's settings table, as Markdown.
pub fn table() -> String {
    let mut table = String::from("| variable | default | meaning |\n|---|---|---|\n");
    for setting in SETTINGS {
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            setting.name, setting.default, setting.meaning
        ));
    }
    table
}

/// `chatapi --help`: the same list, as plain text.
pub fn help() -> String {
    let mut text = String::from(
        "chatapi: a realtime chat backend. Run with no settings for one node on an \
         in-process store.\n\nSettings (environment variables):\n",
    );
    for setting in SETTINGS {
        text.push_str(&format!(
            "  {} (default: {})\n      {}\n",
            setting.name,
            plain(setting.default),
            plain(setting.meaning)
        ));
    }
    text
}

fn plain(markdown: &str) -> String {
    markdown.replace('`', "")
}
