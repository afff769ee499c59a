//! API keys (docs/api.md, "Integrations"): created and revoked by admins,
//! looked up by the hash of their secret on every request that sends one.

use super::Result;
use crate::domain::api_key::{ApiKeyRecord, Scope};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A new key, as written.
#[derive(Clone, Debug)]
pub struct NewApiKey {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// SHA-256 of the key's random part.
    pub key_hash: Vec<u8>,
    pub key_prefix: String,
    pub created_by: Uuid,
    pub now: DateTime<Utc>,
}

/// API keys, one row each, kept after revocation.
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    async fn insert_api_key(&self, key: &NewApiKey) -> Result<ApiKeyRecord>;
    /// Every key, revoked ones too, newest first.
    async fn api_keys(&self) -> Result<Vec<ApiKeyRecord>>;
    /// The key whose secret hashes to `key_hash`, if it is not revoked. Read
    /// from the database on every request (no cache), so a revocation holds
    /// at once on every instance.
    async fn active_api_key(&self, key_hash: &[u8]) -> Result<Option<ApiKeyRecord>>;
    /// Revokes key `id` at `now`; false when there is no such key or it was
    /// already revoked.
    async fn revoke_api_key(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool>;
    /// Records a use of key `id` at `now`, unless one at or after
    /// `not_before` is already recorded (another instance just wrote it).
    async fn touch_api_key(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        not_before: DateTime<Utc>,
    ) -> Result<()>;
}
