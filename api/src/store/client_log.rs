//! The client log: the comments staff, clients and the system leave on a
//! client's record.

use super::{NewLogEntry, Result, StoreError};
use crate::domain::{AuthorKind, LogEntry};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A client's log. Most entries are written by other stores, in the
/// transaction of the change they describe.
#[async_trait]
pub trait ClientLogStore: Send + Sync {
    /// Adds a comment on its own.
    async fn add_log(&self, entry: &NewLogEntry, now: DateTime<Utc>) -> Result<()>;
    /// A client's log, newest first.
    async fn client_log(&self, client_id: Uuid) -> Result<Vec<LogEntry>>;
}

#[derive(sqlx::FromRow)]
pub(super) struct LogRow {
    id: Uuid,
    author_kind: String,
    author_name: String,
    message: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<LogRow> for LogEntry {
    type Error = StoreError;

    fn try_from(r: LogRow) -> Result<LogEntry> {
        let author_kind = AuthorKind::parse(&r.author_kind)
            .ok_or_else(|| StoreError::Corrupt(format!("client log {}: author kind", r.id)))?;
        Ok(LogEntry {
            id: r.id,
            author_kind,
            author_name: r.author_name,
            message: r.message,
            created_at: r.created_at,
        })
    }
}
