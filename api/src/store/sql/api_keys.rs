//! [`ApiKeyStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::Backend;
use crate::domain::api_key::{scopes_from_text, scopes_to_text, ApiKeyRecord};
use crate::store::{ApiKeyStore, NewApiKey, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A key with its creator's name; a `where` clause follows.
const SELECT: &str = "select k.id, k.name, k.scopes, k.key_prefix, k.created_by, s.name, \
    k.created_at, k.last_used_at, k.revoked_at \
    from api_keys k join staff_users s on s.id = k.created_by ";

const INSERT_API_KEY: &str = "insert into api_keys (id, name, scopes, key_hash, key_prefix, \
    created_by, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7)";

const REVOKE_API_KEY: &str = "update api_keys set revoked_at = $2, updated_at = $2 \
    where id = $1 and revoked_at is null";

/// Conditional, so that instances racing to record the same minute write once.
const TOUCH_API_KEY: &str = "update api_keys set last_used_at = $2 \
    where id = $1 and (last_used_at is null or last_used_at < $3)";

type Row = (
    Uuid,
    String,
    String,
    String,
    Uuid,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

fn record(row: Row) -> ApiKeyRecord {
    let (
        id,
        name,
        scopes,
        key_prefix,
        created_by,
        created_by_name,
        created_at,
        last_used_at,
        revoked_at,
    ) = row;
    ApiKeyRecord {
        id,
        name,
        scopes: scopes_from_text(&scopes),
        key_prefix,
        created_by,
        created_by_name,
        created_at,
        last_used_at,
        revoked_at,
    }
}

#[async_trait]
impl ApiKeyStore for Backend {
    async fn insert_api_key(&self, key: &NewApiKey) -> Result<ApiKeyRecord> {
        sqlx::query(INSERT_API_KEY)
            .bind(key.id)
            .bind(&key.name)
            .bind(scopes_to_text(&key.scopes))
            .bind(&key.key_hash)
            .bind(&key.key_prefix)
            .bind(key.created_by)
            .bind(key.now)
            .execute(&self.pool)
            .await?;
        let row: Row = sqlx::query_as(&format!("{SELECT}where k.id = $1"))
            .bind(key.id)
            .fetch_one(&self.pool)
            .await?;
        Ok(record(row))
    }

    async fn api_keys(&self) -> Result<Vec<ApiKeyRecord>> {
        let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT}order by k.created_at desc, k.id"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(record).collect())
    }

    async fn active_api_key(&self, key_hash: &[u8]) -> Result<Option<ApiKeyRecord>> {
        let row: Option<Row> = sqlx::query_as(&format!(
            "{SELECT}where k.key_hash = $1 and k.revoked_at is null"
        ))
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(record))
    }

    async fn revoke_api_key(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let revoked = sqlx::query(REVOKE_API_KEY)
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(revoked == 1)
    }

    async fn touch_api_key(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        not_before: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(TOUCH_API_KEY)
            .bind(id)
            .bind(now)
            .bind(not_before)
            .execute(&self.relaxed)
            .await?;
        Ok(())
    }
}
