//! Settings: read once at start-up from environment variables.
//!
//! `Settings::default()` is a working single node on the in-process store, so
//! `cargo run` needs nothing set. Every `CHATAPI_*` variable must be one we know and
//! must parse; anything else stops start-up with a message naming the variable, because
//! a typo that silently falls back to a default is worse than a refusal to start.

use std::{fmt, net::IpAddr, str::FromStr, time::Duration};

use ipnet::IpNet;

use crate::domain::room::Inactivity;

pub mod catalog;

/// The names start-up accepts: those of [`catalog::SETTINGS`].
fn known() -> Vec<&'static str> {
    catalog::SETTINGS.iter().map(|s| s.name).collect()
}

/// A value that must never reach a log line: `Debug` prints a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for the one place that needs it (connecting, comparing).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Everything a node needs to start. Field docs name the variable and default.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `CHATAPI_HOST`, default `127.0.0.1`: loopback unless deliberately exposed.
    pub host: IpAddr,
    /// `CHATAPI_PORT`, default 8000; 0 picks a free port (the tests use that).
    pub port: u16,
    /// `CHATAPI_WORKERS`, default the number of cores: HTTP worker threads.
    pub workers: usize,
    /// `REDIS_URL`, unset by default (in-process store). May hold a password.
    pub redis_url: Option<Secret>,
    /// `CHATAPI_REDIS_PREFIX`, default `chatapi:`: every Redis key starts with it, so
    /// several deployments (or test runs) can share one Redis.
    pub redis_prefix: String,
    /// `CHATAPI_SCOPED_KEY_TTL` in seconds, default 604800 (7 days).
    pub scoped_key_ttl: Duration,
    /// `CHATAPI_ADMIN_TOKEN`, unset by default: when set, `POST /clients` requires it.
    pub admin_token: Option<Secret>,
    /// `CHATAPI_LOG`, default `info`: a tracing filter such as `info,chatapi=debug`.
    pub log: String,
    /// `CHATAPI_NODE_ID`, default a random id per start: this node's name in a
    /// cluster. A stable name lets a restarted node clear the presence it left behind.
    pub node_name: Option<String>,
    /// `CHATAPI_PRESENCE_TTL` in seconds, default 30: how long a presence entry lives
    /// without a refresh, so a killed node's users go offline within it.
    pub presence_ttl: Duration,
    /// `CHATAPI_PRESENCE_EVENTS_MAX_MEMBERS`, default 100: rooms with more members get
    /// no per-user `presence` frames (members ask with `presence.query`). Every connect
    /// would otherwise send a frame to every member, so filling a room of N would cost
    /// N²/2 frames.
    pub presence_events_max_members: u64,
    /// `CHATAPI_MAX_SOCKETS`, default 0 (no cap): WebSockets this node holds at once.
    /// A handshake past it is 503 with `Retry-After`, so the client tries again, or
    /// another node behind the load balancer. An upgraded socket no longer counts
    /// against the HTTP server's connection limit per worker.
    pub max_sockets: u64,
    /// `CHATAPI_TRUSTED_PROXIES`, default none: addresses or networks (comma-separated,
    /// e.g. `10.0.0.0/8,127.0.0.1`) of load balancers whose `X-Forwarded-For` is
    /// believed. Anyone else could write that header, so by default nobody is.
    pub trusted_proxies: Vec<IpNet>,
    /// `CHATAPI_CORS_ORIGINS`, default none: the web origins (`https://app.example.com`,
    /// comma-separated) whose pages may call the API from a browser. Each is checked at
    /// start-up and kept lower-cased, the form browsers send in `Origin`. Empty means no
    /// cross-origin access, so a deployment opens up only by naming who may come in.
    pub cors_origins: Vec<String>,
    /// The abuse limits of `API.md` §8; each `0` turns that limit off.
    pub rate_limits: RateLimitSettings,
    /// `CHATAPI_WEBHOOKS_ALLOW_PRIVATE`, default `false`: let webhooks reach
    /// loopback, private and link-local addresses (a local receiver; the tests).
    /// Off, such URLs are refused, since a webhook could otherwise probe the
    /// server's own network.
    pub webhooks_allow_private: bool,
    /// `CHATAPI_WEBHOOKS_RETRY_BASE_MS`, default 1000: the wait before a webhook's
    /// first retry, doubled for each next one (at most 10 minutes).
    pub webhooks_retry_base: Duration,
    /// `CHATAPI_INACTIVE_DIRECT_DAYS` (90), `_GROUP_DAYS` (30), `_CHANNEL_DAYS` (180),
    /// `_SUPPORT_DAYS` (7): days without a message after which a room of that type
    /// counts as inactive.
    pub inactivity: Inactivity,
}

/// `CHATAPI_RATE_*`: how often one caller may do each limited thing, shared by every
/// node. `0` turns a limit off (benchmarks do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// `CHATAPI_RATE_MESSAGES_PER_SEC`, default 20: messages per user, REST and
    /// WebSocket together.
    pub messages_per_sec: u32,
    /// `CHATAPI_RATE_MESSAGES_BURST`, default 40: how many messages may come at once.
    pub messages_burst: u32,
    /// `CHATAPI_RATE_LOGINS_PER_MIN`, default 10: logins per email.
    pub logins_per_min: u32,
    /// `CHATAPI_RATE_WS_CONNECTS_PER_MIN`, default 30: WebSocket connects per user.
    pub ws_connects_per_min: u32,
    /// `CHATAPI_RATE_AUTH_FAILURES_PER_MIN`, default 100: failed authentications per
    /// client address.
    pub auth_failures_per_min: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            messages_per_sec: 20,
            messages_burst: 40,
            logins_per_min: 10,
            ws_connects_per_min: 30,
            auth_failures_per_min: 100,
        }
    }
}

impl RateLimitSettings {
    /// Every limit off.
    pub fn off() -> Self {
        Self {
            messages_per_sec: 0,
            messages_burst: 0,
            logins_per_min: 0,
            ws_connects_per_min: 0,
            auth_failures_per_min: 0,
        }
    }
}

pub const DEFAULT_PORT: u16 = 8000;
pub const DEFAULT_SCOPED_KEY_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
pub const DEFAULT_REDIS_PREFIX: &str = "chatapi:";
pub const DEFAULT_PRESENCE_TTL: Duration = Duration::from_secs(30);
pub const DEFAULT_WEBHOOKS_RETRY_BASE: Duration = Duration::from_secs(1);
/// The longest scoped-key lifetime accepted: ten years. Beyond it the expiry
/// arithmetic would leave the range of a timestamp.
pub const MAX_SCOPED_KEY_TTL_SECS: u64 = 10 * 365 * 24 * 3600;
/// The longest presence TTL accepted: an hour (a dead node's users would otherwise
/// look online for longer than anyone would want).
pub const MAX_PRESENCE_TTL_SECS: u64 = 3600;
pub const DEFAULT_PRESENCE_EVENTS_MAX_MEMBERS: u64 = 100;
/// Above any room's possible size: presence frames in every room.
pub const MAX_PRESENCE_EVENTS_MAX_MEMBERS: u64 = 1_000_000;
/// `CHATAPI_MAX_SOCKETS` above this is a typo, not a plan.
pub const MAX_SOCKETS: u64 = 100_000_000;
/// The largest value a rate setting takes: beyond it a limit is as good as off.
pub const MAX_RATE: u32 = 1_000_000;
/// Shorter admin tokens are refused: the token guards the creation of tenants.
pub const MIN_ADMIN_TOKEN_LEN: usize = 16;

impl Default for Settings {
    fn default() -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: DEFAULT_PORT,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            redis_url: None,
            redis_prefix: DEFAULT_REDIS_PREFIX.to_owned(),
            scoped_key_ttl: DEFAULT_SCOPED_KEY_TTL,
            admin_token: None,
            log: "info".to_owned(),
            node_name: None,
            presence_ttl: DEFAULT_PRESENCE_TTL,
            presence_events_max_members: DEFAULT_PRESENCE_EVENTS_MAX_MEMBERS,
            max_sockets: 0,
            trusted_proxies: Vec::new(),
            cors_origins: Vec::new(),
            rate_limits: RateLimitSettings::default(),
            webhooks_allow_private: false,
            webhooks_retry_base: DEFAULT_WEBHOOKS_RETRY_BASE,
            inactivity: Inactivity::default(),
        }
    }
}

/// Why start-up refused the environment.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("unknown setting {name}; the known ones are {}", known().join(", "))]
    Unknown { name: String },
    #[error("{name} must be {expected}; got {shown}")]
    Malformed {
        name: String,
        expected: &'static str,
        /// The offending value, or a placeholder for secrets.
        shown: String,
    },
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_vars(std::env::vars())
    }

    /// Builds settings from `(name, value)` pairs over the defaults. An empty value
    /// counts as unset, as it does for most container tooling.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, SettingsError> {
        let mut settings = Self::default();
        for (name, value) in vars {
            if value.is_empty() {
                continue;
            }
            match name.as_str() {
                "CHATAPI_HOST" => settings.host = parse(&name, &value, "an IP address")?,
                "CHATAPI_PORT" => settings.port = parse(&name, &value, "a port (0-65535)")?,
                "CHATAPI_WORKERS" => {
                    settings.workers = parse(&name, &value, "a whole number ≥ 1")?;
                    if settings.workers == 0 {
                        return Err(malformed(&name, "a whole number ≥ 1", &value));
                    }
                }
                "REDIS_URL" => {
                    let known = ["redis://", "rediss://", "unix://", "redis+unix://"];
                    if !known.iter().any(|scheme| value.starts_with(scheme)) {
                        return Err(SettingsError::Malformed {
                            name,
                            expected: "a redis://, rediss:// or unix:// URL",
                            shown: "[redacted]".to_owned(),
                        });
                    }
                    settings.redis_url = Some(Secret(value));
                }
                "CHATAPI_REDIS_PREFIX" => {
                    // A brace would make the prefix, not the tenant, each key's hash tag.
                    if value.contains(['{', '}']) {
                        return Err(malformed(&name, "a prefix without { or }", &value));
                    }
                    settings.redis_prefix = value;
                }
                "CHATAPI_SCOPED_KEY_TTL" => {
                    let expected = "a number of seconds from 1 to 315360000 (ten years)";
                    let seconds = within(&name, &value, 1, MAX_SCOPED_KEY_TTL_SECS, expected)?;
                    settings.scoped_key_ttl = Duration::from_secs(seconds);
                }
                "CHATAPI_ADMIN_TOKEN" => {
                    if value.len() < MIN_ADMIN_TOKEN_LEN {
                        return Err(SettingsError::Malformed {
                            name,
                            expected: "a token of at least 16 characters",
                            shown: "[redacted]".to_owned(),
                        });
                    }
                    settings.admin_token = Some(Secret(value));
                }
                "CHATAPI_LOG" => {
                    if tracing_subscriber::EnvFilter::try_new(&value).is_err() {
                        return Err(malformed(&name, "a tracing filter like info", &value));
                    }
                    settings.log = value;
                }
                "CHATAPI_NODE_ID" => {
                    let allowed =
                        |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
                    if value.len() > 64 || !value.chars().all(allowed) {
                        return Err(malformed(&name, "1 to 64 of A-Z a-z 0-9 _ . -", &value));
                    }
                    settings.node_name = Some(value);
                }
                "CHATAPI_PRESENCE_TTL" => {
                    let expected = "a number of seconds from 2 to 3600";
                    let seconds = within(&name, &value, 2, MAX_PRESENCE_TTL_SECS, expected)?;
                    settings.presence_ttl = Duration::from_secs(seconds);
                }
                "CHATAPI_PRESENCE_EVENTS_MAX_MEMBERS" => {
                    let expected = "a number of members from 0 to 1000000";
                    let max = MAX_PRESENCE_EVENTS_MAX_MEMBERS;
                    settings.presence_events_max_members = within(&name, &value, 0, max, expected)?;
                }
                "CHATAPI_MAX_SOCKETS" => {
                    let expected = "a number of sockets from 0 to 100000000";
                    settings.max_sockets = within(&name, &value, 0, MAX_SOCKETS, expected)?;
                }
                "CHATAPI_RATE_MESSAGES_PER_SEC" => {
                    settings.rate_limits.messages_per_sec = rate(&name, &value)?;
                }
                "CHATAPI_RATE_MESSAGES_BURST" => {
                    settings.rate_limits.messages_burst = rate(&name, &value)?;
                }
                "CHATAPI_RATE_LOGINS_PER_MIN" => {
                    settings.rate_limits.logins_per_min = rate(&name, &value)?;
                }
                "CHATAPI_RATE_WS_CONNECTS_PER_MIN" => {
                    settings.rate_limits.ws_connects_per_min = rate(&name, &value)?;
                }
                "CHATAPI_RATE_AUTH_FAILURES_PER_MIN" => {
                    settings.rate_limits.auth_failures_per_min = rate(&name, &value)?;
                }
                "CHATAPI_WEBHOOKS_ALLOW_PRIVATE" => {
                    settings.webhooks_allow_private = match value.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(malformed(&name, "true or false", &value)),
                    };
                }
                "CHATAPI_WEBHOOKS_RETRY_BASE_MS" => {
                    let expected = "a number of milliseconds from 10 to 600000";
                    let ms = within(&name, &value, 10, 600_000, expected)?;
                    settings.webhooks_retry_base = Duration::from_millis(ms);
                }
                "CHATAPI_INACTIVE_DIRECT_DAYS" => {
                    settings.inactivity.direct_days = days(&name, &value)?;
                }
                "CHATAPI_INACTIVE_GROUP_DAYS" => {
                    settings.inactivity.group_days = days(&name, &value)?;
                }
                "CHATAPI_INACTIVE_CHANNEL_DAYS" => {
                    settings.inactivity.channel_days = days(&name, &value)?;
                }
                "CHATAPI_INACTIVE_SUPPORT_DAYS" => {
                    settings.inactivity.support_days = days(&name, &value)?;
                }
                "CHATAPI_TRUSTED_PROXIES" => {
                    let expected = "comma-separated IP addresses or networks (10.0.0.0/8)";
                    settings.trusted_proxies = value
                        .split(',')
                        .map(str::trim)
                        .filter(|item| !item.is_empty())
                        .map(|item| {
                            item.parse::<IpNet>()
                                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                                .map_err(|_| malformed(&name, expected, &value))
                        })
                        .collect::<Result<_, _>>()?;
                }
                "CHATAPI_CORS_ORIGINS" => {
                    settings.cors_origins = value
                        .split(',')
                        .map(str::trim)
                        .filter(|item| !item.is_empty())
                        .map(|item| {
                            origin(item).ok_or_else(|| {
                                malformed(
                                    &name,
                                    "comma-separated origins like https://app.example.com:8443",
                                    item,
                                )
                            })
                        })
                        .collect::<Result<_, _>>()?;
                }
                _ if name.starts_with("CHATAPI_") => return Err(SettingsError::Unknown { name }),
                _ => {}
            }
        }
        Ok(settings)
    }
}

fn parse<T: FromStr>(name: &str, value: &str, expected: &'static str) -> Result<T, SettingsError> {
    value
        .trim()
        .parse()
        .map_err(|_| malformed(name, expected, value))
}

/// A whole number in `min..=max`.
fn within(
    name: &str,
    value: &str,
    min: u64,
    max: u64,
    expected: &'static str,
) -> Result<u64, SettingsError> {
    let number: u64 = parse(name, value, expected)?;
    if (min..=max).contains(&number) {
        Ok(number)
    } else {
        Err(malformed(name, expected, value))
    }
}

/// A rate setting: 0 (off) to [`MAX_RATE`].
fn rate(name: &str, value: &str) -> Result<u32, SettingsError> {
    let expected = "a whole number from 0 (off) to 1000000";
    let number = within(name, value, 0, u64::from(MAX_RATE), expected)?;
    u32::try_from(number).map_err(|_| malformed(name, expected, value))
}

/// An inactivity period: 1 to 36500 days (a century).
fn days(name: &str, value: &str) -> Result<u32, SettingsError> {
    let expected = "a number of days from 1 to 36500";
    let number = within(name, value, 1, 36_500, expected)?;
    u32::try_from(number).map_err(|_| malformed(name, expected, value))
}

/// A web origin as a browser writes it in `Origin`: `http` or `https`, a host, an
/// optional port, nothing after. Lower-cased, because hosts are case-insensitive and
/// browsers send them lower-case. `*` and paths are refused: an allow-list names
/// origins, and a path would never match any `Origin` header.
fn origin(item: &str) -> Option<String> {
    let lower = item.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    // An IPv6 literal keeps its colons inside brackets: split the port after them.
    let (host_ok, port) = match rest.strip_prefix('[') {
        Some(bracketed) => {
            let (v6, after) = bracketed.split_once(']')?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':')?),
            };
            (v6.parse::<std::net::Ipv6Addr>().is_ok(), port)
        }
        None => {
            let (host, port) = match rest.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            };
            let label_ok = |label: &str| {
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            };
            (host.split('.').all(label_ok), port)
        }
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    (host_ok && port_ok).then_some(lower)
}

fn malformed(name: &str, expected: &'static str, value: &str) -> SettingsError {
    SettingsError::Malformed {
        name: name.to_owned(),
        expected,
        shown: format!("{value:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::from_vars(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn defaults_run_a_single_node_on_loopback() {
        let settings = vars(&[("PATH", "/bin")]).unwrap();
        assert_eq!(settings.host.to_string(), "127.0.0.1");
        assert_eq!(settings.port, 8000);
        assert!(settings.redis_url.is_none());
        assert_eq!(settings.scoped_key_ttl, Duration::from_secs(604_800));
        assert!(settings.admin_token.is_none());
    }

    #[test]
    fn overrides_are_read() {
        let settings = vars(&[
            ("CHATAPI_PORT", "9000"),
            ("CHATAPI_SCOPED_KEY_TTL", "60"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("CHATAPI_HOST", "0.0.0.0"),
        ])
        .unwrap();
        assert_eq!(settings.port, 9000);
        assert_eq!(settings.scoped_key_ttl, Duration::from_secs(60));
        assert_eq!(
            settings.redis_url.unwrap().expose(),
            "redis://127.0.0.1:6379"
        );
        assert_eq!(settings.host.to_string(), "0.0.0.0");
    }

    #[test]
    fn a_redis_prefix_with_a_brace_is_refused() {
        assert_eq!(
            vars(&[("CHATAPI_REDIS_PREFIX", "app:")])
                .unwrap()
                .redis_prefix,
            "app:"
        );
        for prefix in ["{app}:", "app}:"] {
            assert!(
                vars(&[("CHATAPI_REDIS_PREFIX", prefix)]).is_err(),
                "{prefix}"
            );
        }
    }

    #[test]
    fn rate_limits_are_read_and_zero_turns_one_off() {
        let settings = vars(&[
            ("CHATAPI_RATE_MESSAGES_PER_SEC", "0"),
            ("CHATAPI_RATE_MESSAGES_BURST", "5"),
            ("CHATAPI_RATE_LOGINS_PER_MIN", "3"),
        ])
        .unwrap();
        let limits = settings.rate_limits;
        assert_eq!(limits.messages_per_sec, 0);
        assert_eq!(limits.messages_burst, 5);
        assert_eq!(limits.logins_per_min, 3);
        assert_eq!(limits.ws_connects_per_min, 30);
        assert_eq!(limits.auth_failures_per_min, 100);
    }

    #[test]
    fn presence_events_max_members_is_read_and_defaults_to_100() {
        assert_eq!(vars(&[]).unwrap().presence_events_max_members, 100);
        let settings = vars(&[("CHATAPI_PRESENCE_EVENTS_MAX_MEMBERS", "0")]).unwrap();
        assert_eq!(settings.presence_events_max_members, 0);
    }

    #[test]
    fn max_sockets_is_read_and_defaults_to_no_cap() {
        assert_eq!(vars(&[]).unwrap().max_sockets, 0);
        let settings = vars(&[("CHATAPI_MAX_SOCKETS", "50000")]).unwrap();
        assert_eq!(settings.max_sockets, 50_000);
    }

    #[test]
    fn trusted_proxies_take_addresses_and_networks() {
        let settings = vars(&[("CHATAPI_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")]).unwrap();
        let trusted = settings.trusted_proxies;
        assert_eq!(trusted.len(), 2);
        assert!(trusted[0].contains(&"10.1.2.3".parse::<IpAddr>().unwrap()));
        assert!(trusted[1].contains(&"127.0.0.1".parse::<IpAddr>().unwrap()));
    }

    #[test]
    fn cors_origins_are_read_lower_cased() {
        let settings = vars(&[(
            "CHATAPI_CORS_ORIGINS",
            "https://App.Example.com, http://localhost:3000,http://[::1]:8080",
        )])
        .unwrap();
        assert_eq!(
            settings.cors_origins,
            [
                "https://app.example.com",
                "http://localhost:3000",
                "http://[::1]:8080"
            ]
        );
        assert!(vars(&[]).unwrap().cors_origins.is_empty());
    }

    #[test]
    fn unknown_setting_stops_start_up() {
        let err = vars(&[("CHATAPI_PROT", "9000")]).unwrap_err();
        assert!(err.to_string().contains("CHATAPI_PROT"), "{err}");
    }

    #[test]
    fn malformed_values_stop_start_up() {
        for (name, value) in [
            ("CHATAPI_PORT", "80000"),
            ("CHATAPI_SCOPED_KEY_TTL", "0"),
            ("CHATAPI_SCOPED_KEY_TTL", "soon"),
            ("CHATAPI_HOST", "not a host"),
            ("CHATAPI_WORKERS", "0"),
            ("REDIS_URL", "http://x"),
            ("CHATAPI_ADMIN_TOKEN", "short"),
            ("CHATAPI_TRUSTED_PROXIES", "10.0.0.0/8,nonsense"),
            ("CHATAPI_NODE_ID", "has space"),
            ("CHATAPI_PRESENCE_TTL", "1"),
            ("CHATAPI_MAX_SOCKETS", "-1"),
            ("CHATAPI_MAX_SOCKETS", "100000001"),
            ("CHATAPI_PRESENCE_TTL", "3601"),
            ("CHATAPI_PRESENCE_EVENTS_MAX_MEMBERS", "-1"),
            ("CHATAPI_PRESENCE_EVENTS_MAX_MEMBERS", "1000001"),
            ("CHATAPI_SCOPED_KEY_TTL", "18446744073709551615"),
            ("CHATAPI_SCOPED_KEY_TTL", "315360001"),
            ("CHATAPI_RATE_MESSAGES_PER_SEC", "-1"),
            ("CHATAPI_RATE_LOGINS_PER_MIN", "99999999999"),
            ("CHATAPI_WEBHOOKS_ALLOW_PRIVATE", "yes"),
            ("CHATAPI_WEBHOOKS_RETRY_BASE_MS", "5"),
            ("CHATAPI_INACTIVE_GROUP_DAYS", "0"),
            ("CHATAPI_CORS_ORIGINS", "*"),
            ("CHATAPI_CORS_ORIGINS", "app.example.com"),
            ("CHATAPI_CORS_ORIGINS", "https://app.example.com/"),
            ("CHATAPI_CORS_ORIGINS", "https://app.example.com/path"),
            ("CHATAPI_CORS_ORIGINS", "ftp://app.example.com"),
            ("CHATAPI_CORS_ORIGINS", "https://app.example.com:99999"),
            ("CHATAPI_CORS_ORIGINS", "https://a.example.com,https://"),
            ("CHATAPI_CORS_ORIGINS", "https://[::1"),
        ] {
            let err = vars(&[(name, value)]).unwrap_err();
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn secrets_never_print() {
        let err = vars(&[("CHATAPI_ADMIN_TOKEN", "hunter2")]).unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
        let settings = vars(&[("CHATAPI_ADMIN_TOKEN", "a-very-long-admin-token")]).unwrap();
        assert!(!format!("{settings:?}").contains("a-very-long-admin-token"));
    }
}
