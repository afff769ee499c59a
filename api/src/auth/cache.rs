//! The sessions and API keys this instance checked, kept in memory so that a
//! request's check costs no database round trip (issue 16, item 8: the quote
//! summary and every signed-in read were one round trip over their budget).
//!
//! A cached entry is forgotten the moment anything that could end it changes,
//! so no security property weakens:
//! - on this instance, right after its own change commits (sign-out, refresh,
//!   key revoke: [`AuthCache::forget_session`], [`AuthCache::forget_api_key`]);
//! - on every instance, when PostgreSQL delivers the `auth_changes` notice
//!   that the triggers of migration 0030 send in the changing transaction
//!   (sign-out, refresh, a role change, a deleted login, a key revoked, also
//!   by hand in SQL), read by [`crate::store::PgStore`]'s listener;
//! - the cache is served only while the listener keeps proving that notices
//!   reach it: every [`ALIVE_NOTICE_EVERY`] the instance sends an `alive`
//!   notice of its own on the channel through its ordinary pool
//!   ([`SentAlive`]), and hearing one back keeps the cache live until
//!   [`ALIVE_FOR`] after *it was sent* ([`AuthCache::prove_alive`]).
//!   PostgreSQL delivers notices in commit order, so by then every change
//!   committed before that send has been heard: a revocation is applied at
//!   most [`ALIVE_FOR`] after it commits, however late the listener reads
//!   (other instances' `alive` notices prove nothing of the sort and are
//!   ignored). A listener that dies loudly (its
//!   connection closed or reset) stops the cache at once; one that dies
//!   silently (a half-open TCP connection, a pooler in transaction mode
//!   where `LISTEN` never hears anything) stops it within [`ALIVE_FOR`].
//!   Until the first notice after a (re)connection nothing is served, and
//!   the cache is emptied whenever it goes live again, since notices sent
//!   meanwhile may be lost: every check reads the database;
//! - each entry lives [`ENTRY_TTL`] at most, a second backstop;
//! - a session's expiry is checked against the cached expiry on every request.
//!
//! Only `serve` listens (`app::Application::build`); one-off commands and
//! an instance started with `AUTH_CACHE_ENABLED=false` (behind PgBouncer in
//! transaction pooling, where `LISTEN` does not work) never serve from it.
//!
//! On SQLite the cache is never live: its checks read the embedded database
//! file (no network round trip), and two instances on one file (the tests,
//! `payments-api` beside a maintenance command) could not tell each other.
//!
//! A check that missed reads the database and stores what it read only if no
//! change was announced since it started ([`AuthCache::generation`]): a read
//! that raced a sign-out never puts the ended session back.

use crate::domain::api_key::ApiKeyRecord;
use chrono::{DateTime, Utc};
use quick_cache::sync::Cache;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long an entry is trusted at most, whatever the notices say.
pub const ENTRY_TTL: Duration = Duration::from_secs(30);

/// How often the listener's instance sends itself an `alive` notice (through
/// its ordinary pool, so that hearing it proves the whole path works).
pub const ALIVE_NOTICE_EVERY: Duration = Duration::from_secs(2);

/// How long after it was sent one of this instance's `alive` notices, heard
/// back, keeps the cache live: the worst case for a revocation made elsewhere
/// (a revoked session, key or role is refused at the latest this long after
/// it committed, whether the listener died silently or reads late). Over two
/// notices' interval, so that a notice late by a second does not turn the
/// cache off.
pub const ALIVE_FOR: Duration = Duration::from_secs(5);

/// How many sessions one instance keeps (about 100 bytes each); the least
/// recently used go first.
pub const MAX_SESSIONS: usize = 50_000;

/// How many API keys one instance keeps.
pub const MAX_API_KEYS: usize = 1_000;

/// The PostgreSQL channel the triggers of migrations 0030 and 0033 notify
/// (a session, staff user, client login or API key changed), and on which
/// every instance sends its `alive` notices.
pub const CHANNEL: &str = "auth_changes";

/// A session as the database last said it stood.
#[derive(Clone, Debug)]
struct CachedSession {
    /// The staff user or client it belongs to (the token's `sub`).
    subject: Uuid,
    /// When it ends unless refreshed (UTC).
    expires_at: DateTime<Utc>,
    stored: Instant,
}

#[derive(Clone, Debug)]
struct CachedKey {
    record: ApiKeyRecord,
    stored: Instant,
}

/// One announced change, as an `auth_changes` notice's payload names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthChange {
    /// `session:<id>`: that session was signed out, refreshed or changed.
    Session(Uuid),
    /// `api_key:<id>`: that key was revoked or changed.
    ApiKey(Uuid),
    /// `alive:<id>`: one instance's proof that notices reach its listener
    /// (see [`SentAlive`]); changes nothing.
    Alive(Uuid),
    /// `all` (or anything unknown): forget everything.
    All,
}

impl AuthChange {
    /// Reads a notice's payload; an unknown one means [`AuthChange::All`].
    pub fn parse(payload: &str) -> AuthChange {
        let id = |rest: &str| Uuid::parse_str(rest).ok();
        if let Some(sid) = payload.strip_prefix("session:").and_then(id) {
            AuthChange::Session(sid)
        } else if let Some(key) = payload.strip_prefix("api_key:").and_then(id) {
            AuthChange::ApiKey(key)
        } else if let Some(notice) = payload.strip_prefix("alive:").and_then(id) {
            AuthChange::Alive(notice)
        } else {
            AuthChange::All
        }
    }
}

/// This instance's `alive` notices sent and not heard back yet: each one's
/// id (the payload `alive:<id>`) and when it was sent. The newest few are
/// kept; older ones are dropped when a newer one is heard (notices arrive in
/// order) or when too many wait.
#[derive(Default)]
pub struct SentAlive {
    waiting: Mutex<VecDeque<(Uuid, Instant)>>,
}

impl SentAlive {
    /// How many unheard notices are remembered (at [`ALIVE_NOTICE_EVERY`],
    /// far more than [`ALIVE_FOR`] covers).
    const KEPT: usize = 16;

    /// Notes that notice `id` is about to be sent at `at`.
    pub fn record(&self, id: Uuid, at: Instant) {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        waiting.push_back((id, at));
        while waiting.len() > Self::KEPT {
            waiting.pop_front();
        }
    }

    /// Notice `id` was heard: when it was sent, if it is one of this
    /// instance's (and it, with every older one, is forgotten); `None` for
    /// another instance's notice.
    pub fn heard(&self, id: Uuid) -> Option<Instant> {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        let position = waiting.iter().position(|(sent, _)| *sent == id)?;
        let (_, at) = waiting.drain(..=position).next_back()?;
        Some(at)
    }
}

/// The per-instance cache of checked sessions and API keys (see the module).
pub struct AuthCache {
    sessions: Cache<Uuid, CachedSession>,
    /// By the key's hash (what a request sends, hashed).
    api_keys: Cache<Vec<u8>, CachedKey>,
    /// Until when entries are served (nanoseconds after `epoch`; 0: not
    /// live): the last notice heard plus [`ALIVE_FOR`].
    live_until: AtomicU64,
    epoch: Instant,
    /// Counts announced changes; a miss stores what it read only when this
    /// did not move meanwhile.
    generation: AtomicU64,
    /// Held while storing and while forgetting, so that a store cannot slip
    /// between a change's count and its removal.
    writing: Mutex<()>,
}

impl Default for AuthCache {
    fn default() -> Self {
        AuthCache {
            sessions: Cache::new(MAX_SESSIONS),
            api_keys: Cache::new(MAX_API_KEYS),
            live_until: AtomicU64::new(0),
            epoch: Instant::now(),
            generation: AtomicU64::new(0),
            writing: Mutex::new(()),
        }
    }
}

impl AuthCache {
    /// Whether entries are served: a notice was heard less than
    /// [`ALIVE_FOR`] ago.
    pub fn is_live(&self) -> bool {
        self.is_live_at(Instant::now())
    }

    fn is_live_at(&self, now: Instant) -> bool {
        self.nanos(now) < self.live_until.load(Ordering::Acquire)
    }

    fn nanos(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
    }

    /// The listener heard back an `alive` notice this instance sent at
    /// `now`: every change committed before then has been heard, so entries
    /// are served until `now` + [`ALIVE_FOR`]. When the cache was not live at
    /// `now`, everything cached before is forgotten first, since notices sent
    /// meanwhile may have been lost.
    pub fn prove_alive(&self, now: Instant) {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        if !self.is_live_at(now) {
            // Also: a check that started before may have read a row changed
            // while nothing was heard; none of those is stored.
            self.generation.fetch_add(1, Ordering::AcqRel);
            self.sessions.clear();
            self.api_keys.clear();
        }
        let until = self.nanos(now + ALIVE_FOR).max(1);
        self.live_until.fetch_max(until, Ordering::AcqRel);
    }

    /// The listener lost its connection (or heard nothing for too long):
    /// nothing is served and everything is forgotten from now on.
    pub fn stop(&self) {
        self.live_until.store(0, Ordering::Release);
        self.forget_all();
    }

    /// Where a miss starts: pass it to [`Self::store_session`] or
    /// [`Self::store_api_key`] with what the database said.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// `Some(expiry)` when session `sid` of `subject` is cached, served and
    /// still valid at `now`; `None` means ask the database.
    pub fn session(&self, sid: Uuid, subject: Uuid, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !self.is_live() {
            return None;
        }
        let entry = self.sessions.get(&sid)?;
        (entry.subject == subject && entry.expires_at > now && entry.stored.elapsed() < ENTRY_TTL)
            .then_some(entry.expires_at)
    }

    /// Remembers that session `sid` of `subject` stands until `expires_at`,
    /// unless a change was announced since `generation`.
    pub fn store_session(
        &self,
        generation: u64,
        sid: Uuid,
        subject: Uuid,
        expires_at: DateTime<Utc>,
    ) {
        self.if_unchanged_since(generation, || {
            self.sessions.insert(
                sid,
                CachedSession {
                    subject,
                    expires_at,
                    stored: Instant::now(),
                },
            )
        });
    }

    /// The active key whose hash is `hash`, when cached and served.
    pub fn api_key(&self, hash: &[u8]) -> Option<ApiKeyRecord> {
        if !self.is_live() {
            return None;
        }
        let entry = self.api_keys.get(hash)?;
        (entry.stored.elapsed() < ENTRY_TTL).then_some(entry.record)
    }

    /// Remembers the active key `record` under `hash`, unless a change was
    /// announced since `generation`.
    pub fn store_api_key(&self, generation: u64, hash: Vec<u8>, record: ApiKeyRecord) {
        self.if_unchanged_since(generation, || {
            self.api_keys.insert(
                hash,
                CachedKey {
                    record,
                    stored: Instant::now(),
                },
            )
        });
    }

    /// Runs `store` while live and when no change was announced since
    /// `generation` (under the lock that forgetting takes too).
    fn if_unchanged_since(&self, generation: u64, store: impl FnOnce()) {
        if !self.is_live() {
            return;
        }
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        if self.generation() == generation {
            store();
        }
    }

    /// Applies one announced change.
    pub fn apply(&self, change: AuthChange) {
        match change {
            AuthChange::Session(sid) => self.forget_session(sid),
            AuthChange::ApiKey(id) => self.forget_api_key(id),
            AuthChange::Alive(_) => {}
            AuthChange::All => self.forget_all(),
        }
    }

    /// Forgets session `sid` (signed out or refreshed).
    pub fn forget_session(&self, sid: Uuid) {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.sessions.remove(&sid);
    }

    /// Forgets key `id` (revoked, or its last use recorded), whatever hash it
    /// is cached under; other keys stay.
    pub fn forget_api_key(&self, id: Uuid) {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.api_keys.retain(|_, entry| entry.record.id != id);
    }

    /// Forgets every session and key.
    pub fn forget_all(&self) {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.sessions.clear();
        self.api_keys.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> AuthCache {
        let cache = AuthCache::default();
        cache.prove_alive(Instant::now());
        cache
    }

    #[test]
    fn nothing_is_served_while_changes_elsewhere_are_not_heard() {
        let cache = AuthCache::default();
        let (sid, sub, now) = (Uuid::new_v4(), Uuid::new_v4(), Utc::now());
        cache.store_session(
            cache.generation(),
            sid,
            sub,
            now + chrono::Duration::hours(1),
        );
        assert_eq!(cache.session(sid, sub, now), None);
        cache.prove_alive(Instant::now());
        let until = now + chrono::Duration::hours(1);
        cache.store_session(cache.generation(), sid, sub, until);
        assert_eq!(cache.session(sid, sub, now), Some(until));
        cache.stop();
        assert_eq!(cache.session(sid, sub, now), None, "bypassed");
        cache.prove_alive(Instant::now());
        assert_eq!(cache.session(sid, sub, now), None, "and emptied");
    }

    #[test]
    fn a_listener_that_proves_nothing_for_the_bound_stops_the_cache_and_empties_it() {
        // A silent death (half-open TCP, a pooler that drops notices): no
        // notice arrives, and nothing tells the listener its connection died.
        let cache = AuthCache::default();
        let heard = Instant::now();
        cache.prove_alive(heard);
        let (sid, sub, now) = (Uuid::new_v4(), Uuid::new_v4(), Utc::now());
        let until = now + chrono::Duration::hours(1);
        cache.store_session(cache.generation(), sid, sub, until);
        assert!(cache.is_live_at(heard + ALIVE_FOR - Duration::from_millis(1)));
        assert!(
            !cache.is_live_at(heard + ALIVE_FOR),
            "not live once nothing was heard for {ALIVE_FOR:?}"
        );
        // Heard again after the lapse: live, but what was cached is gone.
        let again = heard + ALIVE_FOR + Duration::from_secs(1);
        cache.prove_alive(again);
        assert!(cache.is_live_at(again));
        assert_eq!(cache.sessions.get(&sid).map(|e| e.expires_at), None);
        // Heard within the bound: what was cached stays.
        cache.store_session(cache.generation(), sid, sub, until);
        cache.prove_alive(again + Duration::from_secs(1));
        assert_eq!(cache.sessions.get(&sid).map(|e| e.expires_at), Some(until));
    }

    fn key_record(id: Uuid) -> ApiKeyRecord {
        ApiKeyRecord {
            id,
            name: "Court system".into(),
            scopes: Vec::new(),
            key_prefix: "pk_test_abcd".into(),
            created_by: Uuid::new_v4(),
            created_by_name: "Admin".into(),
            created_at: Utc::now(),
            last_used_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn forgetting_a_key_forgets_that_key_only() {
        let cache = live();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        cache.store_api_key(cache.generation(), vec![1], key_record(a));
        cache.store_api_key(cache.generation(), vec![2], key_record(b));
        cache.forget_api_key(a);
        assert_eq!(cache.api_key(&[1]).map(|r| r.id), None);
        assert_eq!(
            cache.api_key(&[2]).map(|r| r.id),
            Some(b),
            "the other key stays"
        );
        cache.apply(AuthChange::parse(&format!("api_key:{b}")));
        assert_eq!(cache.api_key(&[2]).map(|r| r.id), None);
    }

    #[test]
    fn only_this_instances_own_alive_notices_prove_anything_and_from_when_they_were_sent() {
        let sent = SentAlive::default();
        let (first, second, elsewhere) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let t0 = Instant::now();
        sent.record(first, t0);
        sent.record(second, t0 + ALIVE_NOTICE_EVERY);
        assert_eq!(sent.heard(elsewhere), None, "another instance's");
        // Heard late (the listener read slowly): live from when it was sent,
        // not from when it was read.
        let cache = AuthCache::default();
        let sent_at = sent.heard(first).expect("ours");
        cache.prove_alive(sent_at);
        assert!(
            !cache.is_live_at(t0 + ALIVE_FOR),
            "bound counts from the send"
        );
        // The newer one heard: the older ones are forgotten with it.
        assert_eq!(sent.heard(second), Some(t0 + ALIVE_NOTICE_EVERY));
        assert_eq!(sent.heard(first), None);
        // A proof older than the one already heard never shortens liveness.
        cache.prove_alive(t0 + ALIVE_NOTICE_EVERY);
        cache.prove_alive(t0);
        assert!(cache.is_live_at(t0 + ALIVE_FOR));
    }

    #[test]
    fn alive_notices_change_nothing() {
        let cache = live();
        let (sid, sub, now) = (Uuid::new_v4(), Uuid::new_v4(), Utc::now());
        let until = now + chrono::Duration::hours(1);
        cache.store_session(cache.generation(), sid, sub, until);
        let id = Uuid::new_v4();
        let notice = AuthChange::parse(&format!("alive:{id}"));
        assert_eq!(notice, AuthChange::Alive(id));
        cache.apply(notice);
        assert_eq!(cache.session(sid, sub, now), Some(until));
    }

    #[test]
    fn a_session_is_served_until_its_expiry_for_its_subject_only() {
        let cache = live();
        let (sid, sub, now) = (Uuid::new_v4(), Uuid::new_v4(), Utc::now());
        let until = now + chrono::Duration::minutes(5);
        cache.store_session(cache.generation(), sid, sub, until);
        assert_eq!(cache.session(sid, sub, now), Some(until));
        assert_eq!(cache.session(sid, Uuid::new_v4(), now), None);
        assert_eq!(cache.session(sid, sub, until), None, "ended at its expiry");
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_stored() {
        let cache = live();
        let (sid, sub, now) = (Uuid::new_v4(), Uuid::new_v4(), Utc::now());
        let started = cache.generation();
        cache.apply(AuthChange::parse(&format!("session:{sid}")));
        cache.store_session(started, sid, sub, now + chrono::Duration::hours(1));
        assert_eq!(cache.session(sid, sub, now), None);
    }

    #[test]
    fn notices_forget_what_they_name() {
        let cache = live();
        let (a, b, sub, now) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Utc::now());
        let until = now + chrono::Duration::hours(1);
        cache.store_session(cache.generation(), a, sub, until);
        cache.store_session(cache.generation(), b, sub, until);
        cache.apply(AuthChange::parse(&format!("session:{a}")));
        assert_eq!(cache.session(a, sub, now), None);
        assert_eq!(cache.session(b, sub, now), Some(until));
        cache.apply(AuthChange::parse("all"));
        assert_eq!(cache.session(b, sub, now), None);
        assert_eq!(AuthChange::parse("nonsense"), AuthChange::All);
        let key = Uuid::new_v4();
        assert_eq!(
            AuthChange::parse(&format!("api_key:{key}")),
            AuthChange::ApiKey(key)
        );
    }
}
