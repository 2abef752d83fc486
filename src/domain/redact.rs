//! Key-shaped text removed from what is logged. Keys are never read from a URL, but a
//! careless client can still put one there (`/ws?token=sk_user_…`), and a request log
//! that wrote the target as sent would keep the key for as long as the logs live.

use std::borrow::Cow;

use super::keys::KeyKind;

/// What a key's secret becomes in a log line.
pub const REDACTED: &str = "[REDACTED]";

/// `text` with the secret of every key-shaped token (`sk_user_` or `ck_live_` followed
/// by base62 characters) replaced by [`REDACTED`]; borrowed when there is none.
///
/// Generous on purpose, because a URL may arrive percent-encoded: the prefix matches in
/// any letter case and with `%5F` for `_`, and the secret runs over `%` as well as
/// base62, so `%41`-style escapes cannot smuggle a key past. Redacting a little more
/// than the key (up to the next `/`, `&`, `=`…) costs nothing.
pub fn redact_keys(text: &str) -> Cow<'_, str> {
    let mut redacted = String::new();
    // Bytes of `text` up to here are already in `redacted`.
    let mut copied = 0;
    let mut at = 0;
    while let Some(rest) = text.get(at..) {
        let Some(prefix) = key_prefix_len(rest) else {
            // Step one character, so `at` stays on a char boundary.
            match rest.chars().next() {
                Some(c) => at += c.len_utf8(),
                None => break,
            }
            continue;
        };
        let secret_start = at + prefix;
        let secret = text
            .get(secret_start..)
            .unwrap_or_default()
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'%')
            .count();
        if secret > 0 {
            redacted.push_str(text.get(copied..secret_start).unwrap_or_default());
            redacted.push_str(REDACTED);
            copied = secret_start + secret;
        }
        at = secret_start + secret;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    redacted.push_str(text.get(copied..).unwrap_or_default());
    Cow::Owned(redacted)
}

/// The length of the key prefix `text` starts with, as it is spelled there.
fn key_prefix_len(text: &str) -> Option<usize> {
    [KeyKind::User, KeyKind::Master]
        .into_iter()
        .find_map(|kind| spelled_len(text.as_bytes(), kind.prefix()))
}

/// How many bytes of `text` spell `prefix`, letters in any case, `_` also as `%5F`.
fn spelled_len(text: &[u8], prefix: &str) -> Option<usize> {
    let mut len = 0;
    for wanted in prefix.bytes() {
        let rest = text.get(len..)?;
        len += match rest {
            [b'%', b'5', f, ..] if wanted == b'_' && f.eq_ignore_ascii_case(&b'f') => 3,
            [c, ..] if c.eq_ignore_ascii_case(&wanted) => 1,
            _ => return None,
        };
    }
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd";

    #[test]
    fn keys_in_paths_and_queries_are_redacted() {
        let cases = [
            (
                format!("/api/v1/ws?token=sk_user_{SECRET}"),
                "/api/v1/ws?token=sk_user_[REDACTED]",
            ),
            (
                format!("/api/v1/x/ck_live_{SECRET}/y?a=sk_user_{SECRET}&b=1"),
                "/api/v1/x/ck_live_[REDACTED]/y?a=sk_user_[REDACTED]&b=1",
            ),
            (
                format!("/q?k=sk%5Fuser%5f{SECRET}"),
                "/q?k=sk%5Fuser%5f[REDACTED]",
            ),
            (
                format!("/q?k=SK_USER_%41{SECRET}"),
                "/q?k=SK_USER_[REDACTED]",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(redact_keys(&text), expected);
        }
    }

    #[test]
    fn text_without_keys_is_borrowed_unchanged() {
        for text in ["/api/v1/users?q=sk_user_", "/ünïcode/sk_", "", "ck_live"] {
            assert!(matches!(redact_keys(text), Cow::Borrowed(t) if t == text));
        }
    }
}
