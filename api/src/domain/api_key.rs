//! API keys: a partner system's credential (issue 20, item 1; docs/api.md,
//! "Integrations"). A key is `pk_live_` or `pk_test_` followed by a
//! [`BearerSecret`] (256 bits from the OS CSPRNG, 43 base64url characters),
//! sent as `Authorization: Bearer <key>`. The prefix tells a key from a JWT
//! at a glance (and to secret scanners), and says which kind of instance
//! issued it: `pk_live_` in production (`APP_ENV=production`), `pk_test_`
//! everywhere else; an instance accepts only its own kind.
//!
//! Only the SHA-256 of the random part is stored. A plain (unkeyed) hash is
//! enough because the secret has 256 bits of entropy: nobody can guess it
//! from its hash, so a slow or keyed hash (argon2, HMAC with a server
//! pepper) would add cost on every request and a secret to rotate, and
//! protect nothing more. It is the design of link tokens and receipt
//! references, and of GitHub's and Stripe's keys.

use super::bearer_secret::{BearerSecret, SecretKind};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The kind of an [`ApiKeySecret`].
pub struct ApiKeyKind;

impl SecretKind for ApiKeyKind {
    const NAME: &'static str = "ApiKey";
}

/// The random part of an API key (what is hashed and stored).
pub type ApiKeySecret = BearerSecret<ApiKeyKind>;

/// Which kind of instance a key belongs to: its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMode {
    /// `pk_live_`: issued and accepted by production.
    Live,
    /// `pk_test_`: issued and accepted by every other instance.
    Test,
}

impl KeyMode {
    pub const fn prefix(self) -> &'static str {
        match self {
            KeyMode::Live => "pk_live_",
            KeyMode::Test => "pk_test_",
        }
    }
}

/// How many characters of a key identify it in the admin's list
/// (`pk_test_` and 4 of the secret: 24 bits, too few to help a guess).
pub const DISPLAY_PREFIX_LEN: usize = 12;

/// A whole API key as its holder sends it. Redacted in `Debug`, no
/// `Display`: it cannot reach a log line by accident.
#[derive(Clone, Debug)]
pub struct ApiKey {
    mode: KeyMode,
    secret: ApiKeySecret,
}

impl ApiKey {
    /// A new key of `mode`.
    pub fn generate(mode: KeyMode) -> ApiKey {
        ApiKey {
            mode,
            secret: ApiKeySecret::generate(),
        }
    }

    /// `value` when it is a well-formed key of `mode`, else `None`.
    pub fn parse(value: &str, mode: KeyMode) -> Option<ApiKey> {
        let secret = value.strip_prefix(mode.prefix())?;
        ApiKeySecret::parse(secret).map(|secret| ApiKey { mode, secret })
    }

    /// Whether `value` looks like an API key of any mode (and so is not a JWT).
    pub fn looks_like_one(value: &str) -> bool {
        value.starts_with(KeyMode::Live.prefix()) || value.starts_with(KeyMode::Test.prefix())
    }

    /// What is stored and looked up: the SHA-256 of the random part.
    pub fn hash(&self) -> Vec<u8> {
        self.secret.hash()
    }

    /// The first [`DISPLAY_PREFIX_LEN`] characters, kept to tell keys apart.
    pub fn display_prefix(&self) -> String {
        let mut prefix = self.mode.prefix().to_owned();
        prefix.extend(
            self.secret
                .expose()
                .chars()
                .take(DISPLAY_PREFIX_LEN - prefix.len()),
        );
        prefix
    }

    /// The key itself: only for the answer that creates it.
    pub fn expose(&self) -> String {
        format!("{}{}", self.mode.prefix(), self.secret.expose())
    }
}

/// What a key may do. A staff operation that a key may call names one scope
/// (`auth::roles`, the matrix); the operations not listed there (invoices,
/// refunds, credits, administration) are for staff only.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Scope {
    /// Search clients; read a client, their Client Log and their payment links.
    #[serde(rename = "clients:read")]
    ClientsRead,
    /// Quote a monitoring period (quote summary, next payment).
    #[serde(rename = "quotes:read")]
    QuotesRead,
    /// Send, resend and revoke payment links.
    #[serde(rename = "links:write")]
    LinksWrite,
    /// Read a client's account history and a payment's receipt.
    #[serde(rename = "payments:read")]
    PaymentsRead,
    /// Take a Payment with a card on file.
    #[serde(rename = "payments:write")]
    PaymentsWrite,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::ClientsRead,
        Scope::QuotesRead,
        Scope::LinksWrite,
        Scope::PaymentsRead,
        Scope::PaymentsWrite,
    ];

    /// The scope as written in the spec and stored: `clients:read`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::ClientsRead => "clients:read",
            Scope::QuotesRead => "quotes:read",
            Scope::LinksWrite => "links:write",
            Scope::PaymentsRead => "payments:read",
            Scope::PaymentsWrite => "payments:write",
        }
    }

    pub fn parse(scope: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == scope)
    }
}

/// Scopes as stored: sorted, without repeats, separated by spaces (the
/// notation of OAuth 2.0, RFC 6749 section 3.3).
pub fn scopes_to_text(scopes: &[Scope]) -> String {
    let mut sorted = scopes.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Scopes as stored, read back; an unknown word is dropped (it grants nothing).
pub fn scopes_from_text(text: &str) -> Vec<Scope> {
    text.split_whitespace().filter_map(Scope::parse).collect()
}

/// How often a key's last-used time is written at most: often enough for an
/// admin deciding whether a key is still in use, rare enough that a busy
/// partner does not cost a write per request.
pub const LAST_USED_PRECISION: Duration = Duration::minutes(1);

/// Whether a request at `now` should record itself as the key's last use:
/// never recorded, or last recorded [`LAST_USED_PRECISION`] ago or more.
pub fn last_used_is_stale(last_used_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_used_at.is_none_or(|at| now - at >= LAST_USED_PRECISION)
}

/// A key as an admin sees it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// [`ApiKey::display_prefix`].
    pub key_prefix: String,
    /// The admin who created it. The key acts for the company, not for this
    /// person: it keeps working if they later lose the admin role, and staff
    /// users are never deleted while a key names them (a foreign key).
    pub created_by: Uuid,
    /// That admin's name, for the admins' list.
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_parses_back_only_with_its_own_prefix_and_never_shows_in_debug() {
        let key = ApiKey::generate(KeyMode::Test);
        let sent = key.expose();
        assert!(
            sent.starts_with("pk_test_") && sent.len() == 8 + 43,
            "{sent}"
        );
        assert!(ApiKey::looks_like_one(&sent));
        let parsed = ApiKey::parse(&sent, KeyMode::Test).expect("parses");
        assert_eq!(parsed.hash(), key.hash());
        assert!(ApiKey::parse(&sent, KeyMode::Live).is_none());
        assert!(ApiKey::parse(&sent[..sent.len() - 1], KeyMode::Test).is_none());
        assert!(!format!("{key:?}").contains(&sent[8..]));
        assert_eq!(key.display_prefix(), sent[..DISPLAY_PREFIX_LEN]);
        assert!(!ApiKey::looks_like_one("eyJhbGciOiJIUzI1NiJ9.e30.x"));
    }

    #[test]
    fn scopes_are_stored_sorted_once_and_read_back() {
        let text = scopes_to_text(&[Scope::PaymentsWrite, Scope::ClientsRead, Scope::ClientsRead]);
        assert_eq!(text, "clients:read payments:write");
        assert_eq!(
            scopes_from_text(&text),
            vec![Scope::ClientsRead, Scope::PaymentsWrite]
        );
        assert_eq!(
            scopes_from_text("owner clients:read"),
            vec![Scope::ClientsRead]
        );
        for scope in Scope::ALL {
            let json = serde_json::to_value(scope).unwrap();
            assert_eq!(json, scope.as_str());
        }
    }

    #[test]
    fn the_last_use_is_written_at_most_once_a_minute() {
        let now = Utc::now();
        assert!(last_used_is_stale(None, now));
        assert!(!last_used_is_stale(Some(now - Duration::seconds(59)), now));
        assert!(last_used_is_stale(Some(now - Duration::seconds(60)), now));
    }
}
