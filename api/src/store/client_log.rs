//! The client log: the comments staff, clients and the system leave on a
//! client's record.

use super::{NewLogEntry, Result};
use crate::domain::LogEntry;
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

impl From<LogRow> for LogEntry {
    fn from(r: LogRow) -> LogEntry {
        LogEntry {
            id: r.id,
            author_kind: r.author_kind,
            author_name: r.author_name,
            message: r.message,
            created_at: r.created_at,
        }
    }
}
