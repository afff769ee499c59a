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
//! - while that listener is not connected (at start-up, after a lost
//!   connection: notices sent meanwhile are lost) the cache is bypassed
//!   and emptied ([`AuthCache::set_live`]): every check reads the database;
//! - each entry lives [`ENTRY_TTL`] at most, a backstop for a connection that
//!   died without the listener noticing;
//! - a session's expiry is checked against the cached expiry on every request.
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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long an entry is trusted at most, whatever the notices say.
pub const ENTRY_TTL: Duration = Duration::from_secs(30);

/// How many sessions one instance keeps (about 100 bytes each); the least
/// recently used go first.
pub const MAX_SESSIONS: usize = 50_000;

/// How many API keys one instance keeps.
pub const MAX_API_KEYS: usize = 1_000;

/// The PostgreSQL channel the triggers of migration 0030 notify.
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
        } else {
            AuthChange::All
        }
    }
}

/// The per-instance cache of checked sessions and API keys (see the module).
pub struct AuthCache {
    sessions: Cache<Uuid, CachedSession>,
    /// By the key's hash (what a request sends, hashed).
    api_keys: Cache<Vec<u8>, CachedKey>,
    /// Set while changes made elsewhere are being heard.
    live: AtomicBool,
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
            live: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            writing: Mutex::new(()),
        }
    }
}

impl AuthCache {
    /// Whether entries are served (changes elsewhere are heard).
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// Starts (`true`: the listener is connected and listening) or stops
    /// serving entries; either way everything cached so far is forgotten,
    /// since notices sent while nobody listened are lost.
    pub fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Release);
        // Also: a check that started before the listener listened may have
        // read a row changed before it did; none of those is stored.
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
            AuthChange::All => self.forget_all(),
        }
    }

    /// Forgets session `sid` (signed out or refreshed).
    pub fn forget_session(&self, sid: Uuid) {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.sessions.remove(&sid);
    }

    /// Forgets key `id` (revoked, or its last use recorded). Keys are few:
    /// all of them go.
    pub fn forget_api_key(&self, id: Uuid) {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        let _ = id;
        self.api_keys.clear();
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
        cache.set_live(true);
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
        cache.set_live(true);
        let until = now + chrono::Duration::hours(1);
        cache.store_session(cache.generation(), sid, sub, until);
        assert_eq!(cache.session(sid, sub, now), Some(until));
        cache.set_live(false);
        assert_eq!(cache.session(sid, sub, now), None, "bypassed");
        cache.set_live(true);
        assert_eq!(cache.session(sid, sub, now), None, "and emptied");
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
