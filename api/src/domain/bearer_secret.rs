//! Bearer secrets: a random value whose holder may do one thing without
//! signing in (pay a link, open a receipt). Each kind is its own type
//! ([`crate::domain::LinkToken`], [`crate::domain::ReceiptReference`]), so one
//! cannot be passed where the other is meant.
//!
//! 256 bits from the OS CSPRNG (OWASP ASVS 3.2.2 asks for at least 64 bits of
//! entropy, issue 17 for at least 128), base64url without padding (43
//! characters). Shown once to whoever may use it and stored only as its
//! SHA-256. `Debug` is redacted and there is no `Display`, so a secret cannot
//! end up in a log line by accident; it travels in a header or a URL
//! fragment, never in a path or query (docs/security.md).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::marker::PhantomData;

/// What a kind of bearer secret is called in a redacted `Debug`.
pub trait SecretKind {
    const NAME: &'static str;
}

/// A bearer secret of kind `K`.
pub struct BearerSecret<K: SecretKind>(String, PhantomData<K>);

impl<K: SecretKind> BearerSecret<K> {
    /// A new secret.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        BearerSecret(URL_SAFE_NO_PAD.encode(bytes), PhantomData)
    }

    /// A secret as its holder sends it: 43 base64url characters, else `None`.
    pub fn parse(secret: &str) -> Option<Self> {
        let valid = secret.len() == 43
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        valid.then(|| BearerSecret(secret.to_owned(), PhantomData))
    }

    /// Its SHA-256: what is stored and looked up.
    pub fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0.as_bytes()).to_vec()
    }

    /// The secret itself: only for the one place that hands it to its
    /// holder (the SMS of a link, the answer that issued a receipt).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl<K: SecretKind> Clone for BearerSecret<K> {
    fn clone(&self) -> Self {
        BearerSecret(self.0.clone(), PhantomData)
    }
}

/// Redacted: values that carry a secret may be `Debug`.
impl<K: SecretKind> std::fmt::Debug for BearerSecret<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}([redacted])", K::NAME)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Test;
    impl SecretKind for Test {
        const NAME: &'static str = "TestSecret";
    }

    #[test]
    fn a_secret_parses_back_hashes_stably_and_never_shows_in_debug() {
        let secret = BearerSecret::<Test>::generate();
        assert_eq!(secret.expose().len(), 43);
        let parsed = BearerSecret::<Test>::parse(secret.expose()).expect("parses");
        assert_eq!(parsed.hash(), secret.hash());
        assert_eq!(format!("{secret:?}"), "TestSecret([redacted])");
        assert!(!format!("{secret:?}").contains(secret.expose()));
        assert_ne!(BearerSecret::<Test>::generate().hash(), secret.hash());
    }

    #[test]
    fn only_43_base64url_characters_parse() {
        assert!(BearerSecret::<Test>::parse(&"a".repeat(43)).is_some());
        assert!(BearerSecret::<Test>::parse(&"a".repeat(42)).is_none());
        assert!(BearerSecret::<Test>::parse(&"a".repeat(44)).is_none());
        assert!(BearerSecret::<Test>::parse(&format!("{}=", "a".repeat(42))).is_none());
        assert!(BearerSecret::<Test>::parse(&format!("{}/", "a".repeat(42))).is_none());
    }
}
