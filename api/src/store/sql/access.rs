//! [`AccessStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::Backend;
use crate::store::{AccessStore, ClientCredentials, Result, StaffCredentials};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

const STAFF_BY_EMAIL: &str =
    "select id, name, role, password_hash from staff_users where email = $1";

const CLIENT_LOGIN_BY_EMAIL: &str =
    "select id, client_id, password_hash from client_logins where email = $1";

const INSERT_SESSION: &str = "insert into sessions (id, audience, subject, role, created_at, \
    expires_at) values ($1, $2, $3, $4, $5, $6)";

/// A session stands while its staff user keeps the role it signed in with,
/// or its client keeps a login.
pub(super) const SESSION_ACTIVE: &str = "select s.subject, s.expires_at from sessions s \
    where s.id = $1 and s.revoked_at is null and s.expires_at > $2 and ( \
        (s.audience = 'plus' and exists ( \
            select 1 from staff_users u where u.id = s.subject and u.role = s.role)) \
        or (s.audience = 'myaccount' and exists ( \
            select 1 from client_logins l where l.client_id = s.subject)))";

const SESSION_STARTED_AT: &str = "select s.created_at from sessions s \
    where s.id = $1 and s.subject = $2 and s.revoked_at is null and s.expires_at > $3 and ( \
        (s.audience = 'plus' and exists ( \
            select 1 from staff_users u where u.id = s.subject and u.role = s.role)) \
        or (s.audience = 'myaccount' and exists ( \
            select 1 from client_logins l where l.client_id = s.subject)))";

const EXTEND_SESSION: &str =
    "update sessions set expires_at = $2 where id = $1 and revoked_at is null";

const REVOKE_SESSION: &str = "update sessions set revoked_at = $3 \
    where id = $1 and subject = $2 and revoked_at is null";

const PURGE_SESSIONS: &str = "delete from sessions where expires_at < $1";

#[async_trait]
impl AccessStore for Backend {
    async fn staff_by_email(&self, email: &str) -> Result<Option<StaffCredentials>> {
        let row: Option<(Uuid, String, String, String)> = sqlx::query_as(STAFF_BY_EMAIL)
            .bind(email.to_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(id, name, role, password_hash)| StaffCredentials {
            id,
            name,
            role,
            password_hash,
        }))
    }

    async fn client_login_by_email(&self, email: &str) -> Result<Option<ClientCredentials>> {
        let row: Option<(Uuid, Uuid, String)> = sqlx::query_as(CLIENT_LOGIN_BY_EMAIL)
            .bind(email.to_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(id, client_id, password_hash)| ClientCredentials {
            id,
            client_id,
            password_hash,
        }))
    }

    async fn create_session(
        &self,
        id: Uuid,
        audience: &str,
        subject: Uuid,
        role: Option<&str>,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(INSERT_SESSION)
            .bind(id)
            .bind(audience)
            .bind(subject)
            .bind(role)
            .bind(now)
            .bind(expires_at)
            .execute(&self.relaxed)
            .await?;
        Ok(())
    }

    async fn session_active(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        Ok(self.active_session(id, now).await?.is_some())
    }

    async fn active_session(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<(Uuid, DateTime<Utc>)>> {
        Ok(sqlx::query_as(SESSION_ACTIVE)
            .bind(id)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn session_started_at(
        &self,
        id: Uuid,
        subject: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        Ok(sqlx::query_scalar(SESSION_STARTED_AT)
            .bind(id)
            .bind(subject)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn extend_session(&self, id: Uuid, expires_at: DateTime<Utc>) -> Result<bool> {
        let extended = sqlx::query(EXTEND_SESSION)
            .bind(id)
            .bind(expires_at)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(extended == 1)
    }

    async fn revoke_session(&self, id: Uuid, subject: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let revoked = sqlx::query(REVOKE_SESSION)
            .bind(id)
            .bind(subject)
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(revoked == 1)
    }

    fn watch_auth_changes(&self, cache: std::sync::Arc<crate::auth::cache::AuthCache>) {
        self.watch_auth_changes_with(cache);
    }

    async fn purge_sessions(&self, before: DateTime<Utc>) -> Result<u64> {
        Ok(sqlx::query(PURGE_SESSIONS)
            .bind(before)
            .execute(&self.relaxed)
            .await?
            .rows_affected())
    }
}
