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

/// What one password check did: whether the password matched, and the
/// Argon2 work it computed (memory in KiB × passes × lanes; 0 when the
/// stored hash could not be used). Unknown users and wrong passwords must do
/// the same work, so their answers take the same time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verification {
    pub matches: bool,
    pub work: u64,
}

/// Checks `password` against `stored`, or against a dummy hash made with the
/// same parameters as every stored one when there is no such user, so unknown
/// users and wrong passwords do the same work.
///
/// `memory` is the Argon2 working memory (19 MiB with the default
/// parameters), reused from one check to the next: allocating it per check
/// left the allocator holding a new 19 MiB for nearly every sign-in (a
/// process at 1 GB after 200 sign-ins), where a few long-lived buffers hold
/// a few times 19 MiB for good. It is grown to what `stored` needs.
pub fn verify(password: &str, stored: Option<&str>, memory: &mut Vec<Block>) -> Verification {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("dummy password for timing"));
    let computed = PasswordHash::new(stored.unwrap_or(dummy))
        .ok()
        .and_then(|phc| compute_matches(password, &phc, memory));
    Verification {
        matches: computed.map(|(matches, _)| matches) == Some(true) && stored.is_some(),
        work: computed.map_or(0, |(_, work)| work),
    }
}

/// Hashes `password` with `phc`'s algorithm, parameters and salt into
/// `memory`, and compares with its hash in constant time; with the work done
/// (see [`Verification::work`]).
fn compute_matches(
    password: &str,
    phc: &PasswordHash<'_>,
    memory: &mut Vec<Block>,
) -> Option<(bool, u64)> {
    let algorithm = Algorithm::try_from(phc.algorithm).ok()?;
    let version = match phc.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(phc).ok()?;
    let work = u64::from(params.m_cost()) * u64::from(params.t_cost()) * u64::from(params.p_cost());
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
    Some((computed == expected, work))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_others_do_not() {
        let mut memory = Vec::new();
        let stored = hash("correct horse");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", Some(&stored), &mut memory).matches);
        assert!(!verify("wrong", Some(&stored), &mut memory).matches);
        assert!(!verify("dummy password for timing", None, &mut memory).matches);
        assert!(!verify("correct horse", Some("not a hash"), &mut memory).matches);
    }

    /// The timing rule, as work rather than time: an unknown user's check
    /// computes the same Argon2 work as a wrong password for a real account
    /// (19 MiB × 2 passes with the default parameters).
    #[test]
    fn an_unknown_user_costs_the_same_argon2_work_as_a_wrong_password() {
        let mut memory = Vec::new();
        let stored = hash("correct horse");
        let wrong = verify("wrong", Some(&stored), &mut memory);
        let unknown = verify("wrong", None, &mut memory);
        assert_eq!(wrong.work, 19 * 1024 * 2);
        assert_eq!(unknown.work, wrong.work);
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
        assert!(verify("pw", Some(&stored), &mut memory).matches);
        assert!(!verify("pW", Some(&stored), &mut memory).matches);
    }
}
