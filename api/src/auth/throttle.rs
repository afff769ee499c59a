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
//!   addresses, lock the account's sign-in for the window, except from an
//!   address that signed in to it successfully in the last
//!   [`KNOWN_ADDRESS_DAYS`] days: a distributed guesser is slowed, and the owner
//!   keeps signing in from where they usually do.
//! - Attempts are counted atomically *before* the password is checked, and
//!   failures are attempts minus successes, so a burst of concurrent guesses
//!   gets no more tries than the same guesses one by one.
//!
//! Counters live in the database (the rate-limit table), so every instance
//! shares them. Unknown e-mails are counted like known ones: the answers and
//! their timing never tell whether an account exists.

use crate::error::{ApiError, ApiResult};
use crate::services::rate_limits::{self as rate_limit, Window};
use crate::state::AppState;
use chrono::Duration;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Sign-ins that may wait for a verification, per verification slot.
pub const QUEUED_PER_VERIFICATION: usize = 8;
/// The account-wide failure limit, in multiples of the per-address one.
pub const ACCOUNT_FAILURES_PER_LOCKOUT: i64 = 10;
/// Length of a failure-counting window (and so of a lockout), in minutes.
pub const LOCKOUT_MINUTES: i64 = 15;

/// One password check: the password, the stored hash (none: unknown user),
/// and where to answer.
type Job = (String, Option<String>, tokio::sync::oneshot::Sender<bool>);

/// Runs password checks on a fixed set of threads (each keeping its Argon2
/// working memory, see [`super::password::verify`]), with a bounded queue.
pub struct PasswordGate {
    at_once: usize,
    admitted: AtomicUsize,
    max_admitted: usize,
    /// The checking threads' queue, started on first use.
    jobs: OnceLock<std::sync::mpsc::Sender<Job>>,
    /// Argon2 work computed so far ([`super::password::Verification::work`]).
    work: Arc<AtomicU64>,
}

impl PasswordGate {
    /// `at_once` checking threads, `at_once × QUEUED_PER_VERIFICATION` waiting.
    pub fn new(at_once: usize) -> PasswordGate {
        let at_once = at_once.max(1);
        PasswordGate {
            at_once,
            admitted: AtomicUsize::new(0),
            max_admitted: at_once * (1 + QUEUED_PER_VERIFICATION),
            jobs: OnceLock::new(),
            work: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The Argon2 work this gate's checks have computed (memory in KiB ×
    /// passes × lanes, summed): a sign-in for an unknown e-mail adds as much
    /// as a wrong password for a real account.
    pub fn work_done(&self) -> u64 {
        self.work.load(Ordering::Acquire)
    }

    /// Verifies `password` against `stored` (or a dummy hash when `None`, so an
    /// unknown user costs the same). Errors with `503 service_unavailable` at
    /// once when the queue is full.
    pub async fn verify(&self, password: String, stored: Option<String>) -> ApiResult<bool> {
        let _admitted = Admitted::enter(&self.admitted, self.max_admitted).ok_or(
            ApiError::Unavailable("sign-in is busy right now; try again in a moment"),
        )?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.queue()
            .send((password, stored, reply))
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("the password checkers stopped")))?;
        answer
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("a password check was dropped")))
    }

    fn queue(&self) -> &std::sync::mpsc::Sender<Job> {
        self.jobs.get_or_init(|| {
            let (jobs, queue) = std::sync::mpsc::channel::<Job>();
            let queue = Arc::new(Mutex::new(queue));
            for n in 0..self.at_once {
                let queue = queue.clone();
                let work = self.work.clone();
                let started = std::thread::Builder::new()
                    .name(format!("password-check-{n}"))
                    .spawn(move || {
                        let mut memory = Vec::new();
                        // Ends when the gate (the only sender) is dropped.
                        while let Ok((password, stored, reply)) = next_job(&queue) {
                            let verified =
                                super::password::verify(&password, stored.as_deref(), &mut memory);
                            work.fetch_add(verified.work, Ordering::AcqRel);
                            let _ = reply.send(verified.matches);
                        }
                    });
                if let Err(error) = started {
                    tracing::error!(%error, "cannot start a password-check thread");
                }
            }
            jobs
        })
    }
}

fn next_job(queue: &Mutex<std::sync::mpsc::Receiver<Job>>) -> Result<Job, ()> {
    queue.lock().map_err(|_| ())?.recv().map_err(|_| ())
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
}

/// The counters of one account's sign-ins, each in the current window.
struct Buckets {
    /// Attempts from this address (counted before the password is checked).
    tries_here: String,
    /// Successes from this address.
    ok_here: String,
    /// Attempts and successes from every address.
    tries: String,
    ok: String,
    /// A success from this address in the last [`KNOWN_ADDRESS_DAYS`] days.
    known_here: String,
}

impl Buckets {
    fn of(sign_in: &SignIn<'_>) -> Buckets {
        let (account, ip) = (sign_in.account(), sign_in.ip);
        Buckets {
            tries_here: format!("{account}:tries:{ip}"),
            ok_here: format!("{account}:ok:{ip}"),
            tries: format!("{account}:tries"),
            ok: format!("{account}:ok"),
            known_here: format!("{account}:known:{ip}"),
        }
    }
}

/// How long an address that signed in to an account stays exempt from that
/// account's account-wide lockout.
pub const KNOWN_ADDRESS_DAYS: i64 = 30;

const TOO_MANY: &str = "too many sign-in attempts; wait a while and try again";

/// Counts the attempt, atomically and before the password is checked (so a
/// burst of guesses cannot all get through before any is counted), and
/// refuses it when its address or its account is over a limit. Failures are
/// attempts minus successes: a person signing in often is never locked out.
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
    let lockout = Window::containing(now, Duration::minutes(LOCKOUT_MINUTES))?;
    let limit = state.settings.login_failures_before_lockout;
    let buckets = Buckets::of(sign_in);
    let store = &state.store;
    let failed_here = rate_limit::count(state, &buckets.tries_here, lockout).await?
        - store
            .rate_limit_count(&buckets.ok_here, lockout.start)
            .await?;
    let failed_everywhere = rate_limit::count(state, &buckets.tries, lockout).await?
        - store.rate_limit_count(&buckets.ok, lockout.start).await?;
    let locked_out = failed_here > limit
        || (failed_everywhere > limit * ACCOUNT_FAILURES_PER_LOCKOUT
            && !known_address(state, &buckets).await?);
    if locked_out {
        return Err(rate_limit::refused(lockout.end, now, TOO_MANY));
    }
    Ok(())
}

async fn known_address(state: &AppState, buckets: &Buckets) -> ApiResult<bool> {
    let window = Window::containing(state.clock.now(), Duration::days(KNOWN_ADDRESS_DAYS))?;
    Ok(state
        .store
        .rate_limit_count(&buckets.known_here, window.start)
        .await?
        > 0)
}

/// Records a successful sign-in: it is not a failure, and its address is
/// known to the account from now on.
pub async fn succeeded(state: &AppState, sign_in: &SignIn<'_>) -> ApiResult<()> {
    let now = state.clock.now();
    let lockout = Window::containing(now, Duration::minutes(LOCKOUT_MINUTES))?;
    let known = Window::containing(now, Duration::days(KNOWN_ADDRESS_DAYS))?;
    let buckets = Buckets::of(sign_in);
    rate_limit::count(state, &buckets.ok_here, lockout).await?;
    rate_limit::count(state, &buckets.ok, lockout).await?;
    rate_limit::count(state, &buckets.known_here, known).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[tokio::test]
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
        let sign_in = |email, ip| SignIn {
            door: "staff",
            email,
            ip,
        };
        let a = Buckets::of(&sign_in("Agent@Example.com ", "10.0.0.1"));
        let b = Buckets::of(&sign_in("agent@example.com", "10.0.0.1"));
        assert_eq!((a.tries_here, a.tries), (b.tries_here.clone(), b.tries));
        let elsewhere = Buckets::of(&sign_in("agent@example.com", "10.0.0.2"));
        assert_ne!(
            elsewhere.tries_here, b.tries_here,
            "each address has its own lockout"
        );
    }
}
