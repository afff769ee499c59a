//! Who may sign in, and the sessions they hold: staff users, client logins
//! and sessions.

use super::{ClientCredentials, Result, StaffCredentials};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Staff users, client logins and their sessions.
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// The staff user signing in with `email` (case-insensitive).
    async fn staff_by_email(&self, email: &str) -> Result<Option<StaffCredentials>>;
    /// The client login signing in with `email` (case-insensitive).
    async fn client_login_by_email(&self, email: &str) -> Result<Option<ClientCredentials>>;

    /// Records a sign-in: session `id` for `subject` (a staff user with
    /// `role`, or a client with none) on `audience` (`plus`, `myaccount`).
    async fn create_session(
        &self,
        id: Uuid,
        audience: &str,
        subject: Uuid,
        role: Option<&str>,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// Whether session `id` still stands at `now`: not signed out, not
    /// expired, and its staff user still exists with the role it signed in
    /// with (or its client still has a login).
    async fn session_active(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool>;
    /// Session `id`'s subject and expiry (UTC), if it stands at `now` (as
    /// [`Self::session_active`] decides): what `auth::cache` keeps.
    async fn active_session(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<(Uuid, DateTime<Utc>)>>;
    /// When session `id` of `subject` started, if it still stands at `now`
    /// (as [`Self::session_active`] decides).
    async fn session_started_at(
        &self,
        id: Uuid,
        subject: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>>;
    /// Moves the end of session `id` to `expires_at` (the sliding expiry);
    /// false when it was signed out meanwhile.
    async fn extend_session(&self, id: Uuid, expires_at: DateTime<Utc>) -> Result<bool>;
    /// Signs session `id` of `subject` out; false when there was none to end.
    async fn revoke_session(&self, id: Uuid, subject: Uuid, now: DateTime<Utc>) -> Result<bool>;
    /// Deletes sessions that expired before `before`; returns how many.
    async fn purge_sessions(&self, before: DateTime<Utc>) -> Result<u64>;
    /// Tells `cache` of every change to a session or credential made by any
    /// instance, and makes it live while it can (PostgreSQL: a background
    /// `LISTEN auth_changes`; needs a Tokio runtime). SQLite leaves it off.
    fn watch_auth_changes(&self, cache: std::sync::Arc<crate::auth::cache::AuthCache>);
}
