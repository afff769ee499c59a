//! SMS bodies carry a payment link, whose token must never be stored in
//! readable form. The outbox keeps them sealed (ChaCha20-Poly1305) until sent,
//! then wipes them.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl Sealer {
    /// A key derived from the server secret, for this purpose only.
    pub fn new(secret: &SecretString) -> Sealer {
        let key = Sha256::digest(format!("sms-outbox-v1\n{}", secret.expose_secret()).as_bytes());
        Sealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }

    /// nonce (12 bytes) ‖ ciphertext.
    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut sealed = nonce.to_vec();
        // Encryption with a fresh nonce cannot fail for inputs this small.
        sealed.extend(
            self.cipher
                .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
                .unwrap_or_default(),
        );
        sealed
    }

    /// The plaintext, or `None` when the bytes were not sealed with this key.
    pub fn open(&self, sealed: &[u8]) -> Option<String> {
        if sealed.len() < 12 {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_the_same_secret_and_hides_the_text() {
        let sealer = Sealer::new(&SecretString::from("secret-one-secret-one-secret-one"));
        let sealed = sealer.seal("pay at https://x/pay#TOKEN");
        assert!(!String::from_utf8_lossy(&sealed).contains("TOKEN"));
        assert_eq!(
            sealer.open(&sealed).as_deref(),
            Some("pay at https://x/pay#TOKEN")
        );
        assert_ne!(
            sealer.seal("same"),
            sealer.seal("same"),
            "fresh nonce each time"
        );
        let other = Sealer::new(&SecretString::from("secret-two-secret-two-secret-two"));
        assert_eq!(other.open(&sealed), None);
        assert_eq!(sealer.open(b"short"), None);
    }
}
