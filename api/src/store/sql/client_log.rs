//! [`ClientLogStore`] in SQL, compiled once per backend (see `sql/mod.rs`),
//! and the insert every other store uses inside its own transaction.

use super::{Backend, Db};
use crate::domain::LogEntry;
use crate::store::client_log::LogRow;
use crate::store::{ClientLogStore, NewLogEntry, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

const INSERT_LOG: &str = "insert into client_log (id, client_id, author_kind, author_name, \
    message, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6)";

const CLIENT_LOG: &str = "select id, author_kind, author_name, message, created_at \
    from client_log where client_id = $1 order by created_at desc, id";

/// Writes `log` with `message` (its own, or one with details appended).
pub(super) async fn insert_log<'e, E>(
    executor: E,
    log: &NewLogEntry,
    message: &str,
    now: DateTime<Utc>,
) -> Result<()>
where
    E: sqlx::Executor<'e, Database = Db>,
{
    sqlx::query(INSERT_LOG)
        .bind(Uuid::new_v4())
        .bind(log.client_id)
        .bind(log.author_kind.as_str())
        .bind(&log.author_name)
        .bind(message)
        .bind(now)
        .execute(executor)
        .await?;
    Ok(())
}

#[async_trait]
impl ClientLogStore for Backend {
    async fn add_log(&self, log: &NewLogEntry, now: DateTime<Utc>) -> Result<()> {
        insert_log(&self.pool, log, &log.message, now).await
    }

    async fn client_log(&self, client_id: Uuid) -> Result<Vec<LogEntry>> {
        let rows: Vec<LogRow> = sqlx::query_as(CLIENT_LOG)
            .bind(client_id)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(LogEntry::try_from).collect()
    }
}
