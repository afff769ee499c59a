//! API keys (issue 20, item 1; docs/api.md, "Integrations"): an admin creates
//! one with a name and scopes and is shown its secret once; a partner system
//! sends it as `Authorization: Bearer pk_…`, and [`authenticate`] turns it
//! into the caller every staff operation already knows ([`Staff`], with its
//! key), so the one permission matrix (`auth::roles`) decides what it may do.

use crate::auth::{ApiKeyCaller, Staff};
use crate::config::AppEnv;
use crate::domain::api_key::{last_used_is_stale, ApiKey, ApiKeyRecord, KeyMode, Scope};
use crate::error::{ApiError, ApiResult, FieldError, ProblemCode};
use crate::services::rate_limits;
use crate::state::AppState;
use crate::store::NewApiKey;
use uuid::Uuid;

/// The longest name a key may have, in characters.
pub const NAME_MAX_CHARS: usize = 100;

const KEY_REFUSED: ApiError =
    ApiError::Unauthorized("this API key is not valid here, or it was revoked");

/// What an admin asks for.
#[derive(Clone, Debug)]
pub struct CreateApiKey {
    pub name: String,
    pub scopes: Vec<Scope>,
}

/// A key just created: its record, and the key itself (shown once).
#[derive(Debug)]
pub struct CreatedApiKey {
    pub record: ApiKeyRecord,
    pub key: ApiKey,
}

/// The kind of key this instance issues and accepts.
pub fn mode(state: &AppState) -> KeyMode {
    match state.settings.app_env {
        AppEnv::Production => KeyMode::Live,
        AppEnv::Development => KeyMode::Test,
    }
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::Invalid {
        code: ProblemCode::ValidationFailed,
        detail: message.to_owned(),
        errors: vec![FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        }],
    }
}

/// Creates a key for `admin`: a name of 1–[`NAME_MAX_CHARS`] characters
/// (trimmed) and at least one scope (`422 validation_failed` otherwise).
pub async fn create(
    state: &AppState,
    admin: &Staff,
    request: CreateApiKey,
) -> ApiResult<CreatedApiKey> {
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        return Err(invalid("name", "a name of 1 to 100 characters is required"));
    }
    if request.scopes.is_empty() {
        return Err(invalid("scopes", "give the key at least one scope"));
    }
    let key = ApiKey::generate(mode(state));
    let record = state
        .store
        .insert_api_key(&NewApiKey {
            id: Uuid::new_v4(),
            name,
            scopes: request.scopes,
            key_hash: key.hash(),
            key_prefix: key.display_prefix(),
            created_by: admin.id,
            now: state.clock.now(),
        })
        .await?;
    tracing::info!(api_key = %record.id, admin = %admin.id, "API key created");
    Ok(CreatedApiKey { record, key })
}

/// Every key, revoked ones too, newest first.
pub async fn list(state: &AppState) -> ApiResult<Vec<ApiKeyRecord>> {
    Ok(state.store.api_keys().await?)
}

/// Revokes key `id`: from now on it answers `401`, on every instance.
/// `404 not_found` when there is no such key or it was already revoked.
pub async fn revoke(state: &AppState, admin: &Staff, id: Uuid) -> ApiResult<()> {
    let revoked = state.store.revoke_api_key(id, state.clock.now()).await?;
    // Refused here at once (other instances hear it from PostgreSQL).
    state.auth_cache.forget_api_key(id);
    if !revoked {
        return Err(ApiError::NotFound {
            code: ProblemCode::NotFound,
            detail: "no API key with this id is active",
        });
    }
    tracing::info!(api_key = %id, admin = %admin.id, "API key revoked");
    Ok(())
}

/// The caller behind API key `sent` (the bearer value, which starts with a
/// key prefix): `401` when it is malformed, of the other mode, unknown or
/// revoked; `429 rate_limited` past `API_KEY_REQUESTS_PER_MINUTE`. Read
/// from the instance's [`crate::auth::cache`] (forgotten on every instance
/// the moment the key is revoked or changed), else from the database; the
/// last-used time is written at most once a minute.
pub async fn authenticate(state: &AppState, sent: &str) -> ApiResult<Staff> {
    let key = ApiKey::parse(sent, mode(state)).ok_or(KEY_REFUSED)?;
    let hash = key.hash();
    let record = match state.auth_cache.api_key(&hash) {
        Some(record) => record,
        None => {
            let generation = state.auth_cache.generation();
            let record = state
                .store
                .active_api_key(&hash)
                .await?
                .ok_or(KEY_REFUSED)?;
            state
                .auth_cache
                .store_api_key(generation, hash, record.clone());
            record
        }
    };
    rate_limits::api_key_request(state, record.id).await?;
    let now = state.clock.now();
    if last_used_is_stale(record.last_used_at, now) {
        let not_before = now - crate::domain::api_key::LAST_USED_PRECISION;
        state
            .store
            .touch_api_key(record.id, now, not_before)
            .await?;
        // The cached record's last use is stale now: read it anew next time.
        state.auth_cache.forget_api_key(record.id);
    }
    Ok(Staff {
        id: record.created_by,
        name: format!("API key “{}”", record.name),
        role: String::new(),
        api_key: Some(ApiKeyCaller {
            id: record.id,
            scopes: record.scopes,
        }),
    })
}
