//! Issuing keys. The secret is made here from the OS CSPRNG, shown to the caller once,
//! and only its digest is stored.

use chrono::{DateTime, Duration, Utc};
use rand::{distr::Alphanumeric, rngs::OsRng, Rng, TryRngCore};

use crate::{
    config::Secret,
    domain::keys::{KeyDigest, KeyOwner, KeyRecord, KEY_SECRET_LEN},
};

/// A key just made: the secret for the response, the record for the store.
pub struct IssuedKey {
    pub secret: Secret,
    pub record: KeyRecord,
}

/// Makes a key for `owner`, issued at `now`, expiring after `ttl` if given.
pub fn issue(owner: KeyOwner, now: DateTime<Utc>, ttl: Option<Duration>) -> IssuedKey {
    // `unwrap_err` turns an OS RNG failure into a panic: there is no safe way to go on
    // issuing credentials without one.
    let mut rng = OsRng.unwrap_err();
    let random: String = (0..KEY_SECRET_LEN)
        .map(|_| char::from(rng.sample(Alphanumeric)))
        .collect();
    let secret = format!("{}{random}", owner.kind().prefix());
    let record = KeyRecord {
        digest: KeyDigest::of(&secret),
        owner,
        issued_at: now,
        expires_at: ttl.map(|ttl| now + ttl),
        revoked_at: None,
    };
    IssuedKey {
        secret: Secret::new(secret),
        record,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        ids::{ClientId, UserId},
        keys::{KeyKind, PresentedKey},
    };

    #[test]
    fn issued_keys_parse_back_and_match_their_digest() {
        let owner = KeyOwner::User {
            client: ClientId::random(),
            user: UserId::random(),
        };
        let now = Utc::now();
        let issued = issue(owner, now, Some(Duration::seconds(60)));
        let presented = PresentedKey::parse(issued.secret.expose()).unwrap();
        assert_eq!(presented.kind(), KeyKind::User);
        assert!(presented.digest().ct_eq(&issued.record.digest));
        assert_eq!(issued.record.expires_at, Some(now + Duration::seconds(60)));
        let other = issue(owner, now, None);
        assert_ne!(other.secret.expose(), issued.secret.expose());
        assert!(other.secret.expose().starts_with("sk_user_"));
    }
}
