//! Sign-in protection (OWASP ASVS 4.0 §2.2.1, "anti-automation"; OWASP
//! Authentication Cheat Sheet, "account lockout").
//!
//! The policy, for staff and client sign-in alike:
//! - **Bounded work.** Argon2 takes 19 MiB and tens of milliseconds per check.
//!   At most `LOGIN_VERIFICATIONS_AT_ONCE` checks run per instance, and at most
//!   [`QUEUED_PER_VERIFICATION`] times as many sign-ins wait for one; beyond
//!   that a sign-in is answered `503 service_unavailable` at once, without
//!   hashing anything, so a flood cannot take the process's memory.
//! - **Per address.** `LOGIN_ATTEMPTS_PER_IP_PER_MINUTE` sign-ins (right or
//!   wrong, any account) per client address per minute; then
//!   `429 rate_limited` with `Retry-After` until the minute ends.
//! - **Per account and address: a temporary lockout.** After
//!   `LOGIN_FAILURES_BEFORE_LOCKOUT` wrong passwords for one e-mail from one
//!   address in a 15-minute window, that address cannot sign in to that
//!   account until the window ends, even with the right password. Other
//!   addresses are not locked out, so an attacker cannot lock the owner out
//!   from everywhere by guessing wrong on purpose.
//! - **Per account, from everywhere.** [`ACCOUNT_FAILURES_PER_LOCKOUT`] times
//!   that many wrong passwords for one e-mail in the window, from any number of
//!   addresses, slow a distributed guesser the same way; a real user's own
//!   mistakes never come near it.
//!
//! Counters live in the database (the rate-limit table), so every instance
//! shares them. Unknown e-mails are counted like known ones: the answers and
//! their timing never tell whether an account exists.

use crate::error::{ApiError, ApiResult};
use crate::rate_limit;
use crate::state::AppState;
use chrono::Duration;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

/// Sign-ins that may wait for a verification, per verification slot.
pub const QUEUED_PER_VERIFICATION: usize = 8;
/// The account-wide failure limit, in multiples of the per-address one.
pub const ACCOUNT_FAILURES_PER_LOCKOUT: i64 = 10;
/// Length of a failure-counting window (and so of a lockout), in minutes.
pub const LOCKOUT_MINUTES: i64 = 15;

/// Runs password checks with bounded concurrency and a bounded queue.
pub struct PasswordGate {
    slots: Semaphore,
    admitted: AtomicUsize,
    max_admitted: usize,
}

impl PasswordGate {
    /// `at_once` checks at a time, `at_once × QUEUED_PER_VERIFICATION` waiting.
    pub fn new(at_once: usize) -> PasswordGate {
        let at_once = at_once.max(1);
        PasswordGate {
            slots: Semaphore::new(at_once),
            admitted: AtomicUsize::new(0),
            max_admitted: at_once * (1 + QUEUED_PER_VERIFICATION),
        }
    }

    /// Verifies `password` against `stored` (or a dummy hash when `None`, so an
    /// unknown user costs the same) on the blocking pool. Errors with
    /// `503 service_unavailable` at once when the queue is full.
    pub async fn verify(&self, password: String, stored: Option<String>) -> ApiResult<bool> {
        let admitted = Admitted::enter(&self.admitted, self.max_admitted).ok_or(
            ApiError::Unavailable("sign-in is busy right now; try again in a moment"),
        )?;
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
        let verified =
            actix_web::web::block(move || super::password::verify(&password, stored.as_deref()))
                .await
                .map_err(|e| ApiError::Internal(e.into()))?;
        drop(admitted);
        Ok(verified)
    }
}

/// One sign-in counted as admitted until dropped.
struct Admitted<'a>(&'a AtomicUsize);

impl<'a> Admitted<'a> {
    fn enter(counter: &'a AtomicUsize, max: usize) -> Option<Admitted<'a>> {
        counter
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Admitted(counter))
    }
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Whose sign-in this is: which door, which e-mail, from where.
pub struct SignIn<'a> {
    /// `staff` or `client`.
    pub door: &'static str,
    pub email: &'a str,
    pub ip: &'a str,
}

impl SignIn<'_> {
    fn account(&self) -> String {
        format!("login:{}:{}", self.door, self.email.trim().to_lowercase())
    }

    fn buckets(&self) -> (String, String) {
        let account = self.account();
        (
            format!("{account}:fail:{}", self.ip),
            format!("{account}:fail"),
        )
    }
}

const TOO_MANY: &str = "too many sign-in attempts; wait a while and try again";

/// Counts the attempt against its address and refuses it when the address,
/// or the account (from this address or from everywhere), is over its limit.
/// Call before checking the password.
pub async fn admit(state: &AppState, sign_in: &SignIn<'_>) -> ApiResult<()> {
    rate_limit::hit(
        state,
        &format!("login:ip:{}", sign_in.ip),
        Duration::minutes(1),
        state.settings.login_attempts_per_ip_per_minute,
        TOO_MANY,
    )
    .await?;
    let now = state.clock.now();
    let window = Duration::minutes(LOCKOUT_MINUTES);
    let lockout = rate_limit::window_start(now, window)?;
    let limit = state.settings.login_failures_before_lockout;
    let (from_here, from_everywhere) = sign_in.buckets();
    if state.store.rate_limit_count(&from_here, lockout).await? >= limit
        || state
            .store
            .rate_limit_count(&from_everywhere, lockout)
            .await?
            >= limit * ACCOUNT_FAILURES_PER_LOCKOUT
    {
        return Err(rate_limit::refused(lockout + window, now, TOO_MANY));
    }
    Ok(())
}

/// Records a wrong password (or an unknown e-mail).
pub async fn failed(state: &AppState, sign_in: &SignIn<'_>) -> ApiResult<()> {
    let now = state.clock.now();
    let lockout = rate_limit::window_start(now, Duration::minutes(LOCKOUT_MINUTES))?;
    let (from_here, from_everywhere) = sign_in.buckets();
    state.store.rate_limit_hit(&from_here, lockout, now).await?;
    state
        .store
        .rate_limit_hit(&from_everywhere, lockout, now)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn the_gate_admits_its_slots_and_queue_and_no_more() {
        let counter = AtomicUsize::new(0);
        let held: Vec<_> = (0..3)
            .map(|_| Admitted::enter(&counter, 3).expect("admitted"))
            .collect();
        assert!(Admitted::enter(&counter, 3).is_none());
        drop(held);
        assert!(Admitted::enter(&counter, 3).is_some());
    }

    #[actix_web::test]
    async fn a_flood_of_checks_is_refused_at_once_beyond_the_queue() {
        let gate = Arc::new(PasswordGate::new(1));
        let checks = (0..40).map(|_| {
            let gate = gate.clone();
            tokio::spawn(async move { gate.verify("guess".into(), None).await })
        });
        let answers = futures_util::future::join_all(checks).await;
        let refused = answers
            .iter()
            .filter(|a| matches!(a, Ok(Err(ApiError::Unavailable(_)))))
            .count();
        let checked = answers
            .iter()
            .filter(|a| matches!(a, Ok(Ok(false))))
            .count();
        assert_eq!(refused + checked, 40);
        assert!(checked >= 1, "some checks ran");
        assert!(
            refused >= 40 - (1 + QUEUED_PER_VERIFICATION),
            "{refused} refused"
        );
    }

    #[test]
    fn an_accounts_buckets_ignore_the_e_mails_case() {
        let a = SignIn {
            door: "staff",
            email: "Agent@Example.com ",
            ip: "10.0.0.1",
        };
        let b = SignIn {
            door: "staff",
            email: "agent@example.com",
            ip: "10.0.0.1",
        };
        assert_eq!(a.buckets(), b.buckets());
        assert_ne!(
            a.buckets().0,
            SignIn {
                ip: "10.0.0.2",
                ..b
            }
            .buckets()
            .0,
            "each address has its own lockout"
        );
    }
}
