//! Argon2id password hashes (PHC strings), with the crate's default
//! parameters (19 MiB, 2 passes: OWASP Password Storage Cheat Sheet).

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::OnceLock;

/// Argon2id hash (PHC string) of a password.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

/// Checks `password` against `stored`, or against a dummy hash when there is
/// no such user, so unknown users and wrong passwords take the same time.
///
/// `memory` is the Argon2 working memory (19 MiB with the default
/// parameters), reused from one check to the next: allocating it per check
/// left the allocator holding a new 19 MiB for nearly every sign-in (a
/// process at 1 GB after 200 sign-ins), where a few long-lived buffers hold
/// a few times 19 MiB for good. It is grown to what `stored` needs.
pub fn verify(password: &str, stored: Option<&str>, memory: &mut Vec<Block>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("dummy password for timing"));
    let matches = PasswordHash::new(stored.unwrap_or(dummy))
        .ok()
        .and_then(|phc| compute_matches(password, &phc, memory));
    matches == Some(true) && stored.is_some()
}

/// Hashes `password` with `phc`'s algorithm, parameters and salt into
/// `memory`, and compares with its hash in constant time.
fn compute_matches(
    password: &str,
    phc: &PasswordHash<'_>,
    memory: &mut Vec<Block>,
) -> Option<bool> {
    let algorithm = Algorithm::try_from(phc.algorithm).ok()?;
    let version = match phc.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(phc).ok()?;
    let expected = phc.hash?;
    let mut salt = [0u8; 64];
    let salt = phc.salt?.decode_b64(&mut salt).ok()?;
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory.as_mut_slice())
        .ok()?;
    let computed = argon2::password_hash::Output::new(&out).ok()?;
    Some(computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_others_do_not() {
        let mut memory = Vec::new();
        let stored = hash("correct horse");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", Some(&stored), &mut memory));
        assert!(!verify("wrong", Some(&stored), &mut memory));
        assert!(!verify("dummy password for timing", None, &mut memory));
        assert!(!verify("correct horse", Some("not a hash"), &mut memory));
    }

    #[test]
    fn the_check_agrees_with_the_crates_own_verifier() {
        use argon2::password_hash::PasswordVerifier;
        let mut memory = Vec::new();
        // Other parameters than the defaults: the buffer grows to fit them.
        let params = Params::new(8 * 1024, 1, 1, None).unwrap();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::generate(&mut OsRng);
        let stored = argon.hash_password(b"pw", &salt).unwrap().to_string();
        let phc = PasswordHash::new(&stored).unwrap();
        assert!(Argon2::default().verify_password(b"pw", &phc).is_ok());
        assert!(verify("pw", Some(&stored), &mut memory));
        assert!(!verify("pW", Some(&stored), &mut memory));
    }
}
