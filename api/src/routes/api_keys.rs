//! API keys, managed by admins (issue 20, item 1; docs/api.md,
//! "Integrations"); the use cases are in `services::api_keys`. A key never
//! manages keys: `Administer` has no scope.

use crate::auth::{permits, Can};
use crate::domain::api_key::{ApiKeyRecord, Scope};
use crate::error::ApiResult;
use crate::services::api_keys::{self, CreateApiKey};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A new key's name and what it may do.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CreateApiKeyRequest {
    /// Who will use it (1 to 100 characters), e.g. the partner system.
    #[schema(
        example = "County probation case system",
        min_length = 1,
        max_length = 100
    )]
    pub name: String,
    /// At least one scope.
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
}

/// A key just created, with its secret: the only time the key is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyView {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// The key to send as `Authorization: Bearer <key>`. Shown once; only
    /// its hash is kept, so a lost key is revoked and replaced.
    #[schema(example = "pk_test_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5")]
    pub key: String,
}

/// A key as the admin's list shows it (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// The key's first characters, to tell keys apart (`pk_test_AbCd`).
    #[schema(example = "pk_test_AbCd")]
    pub key_prefix: String,
    /// The staff user (an admin) who created it. The key acts for the
    /// company: it keeps working whatever becomes of its creator, so admins
    /// review the keys of someone who left and revoke what is not needed.
    pub created_by: Uuid,
    /// That staff user's name.
    #[schema(example = "Avery Admin")]
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    /// The last request made with it, to the minute (UTC); `null` if never used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked (UTC); `null` while it works.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRecord> for ApiKeyView {
    fn from(r: ApiKeyRecord) -> ApiKeyView {
        ApiKeyView {
            id: r.id,
            name: r.name,
            scopes: r.scopes,
            key_prefix: r.key_prefix,
            created_by: r.created_by,
            created_by_name: r.created_by_name,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

/// Creates an API key (admins only). The answer holds the key itself, once.
#[utoipa::path(
    tag = "api keys", operation_id = "create_api_key",
    request_body = CreateApiKeyRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, body = CreatedApiKeyView),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[post("/api-keys")]
#[tracing::instrument(skip_all, fields(staff = %admin.id))]
pub async fn create_api_key(
    Can(admin, _): Can<permits::Administer>,
    state: web::Data<AppState>,
    body: web::Json<CreateApiKeyRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let created = api_keys::create(
        &state,
        &admin,
        CreateApiKey {
            name: body.name,
            scopes: body.scopes,
        },
    )
    .await?;
    Ok(
        HttpResponse::build(StatusCode::CREATED).json(CreatedApiKeyView {
            id: created.record.id,
            name: created.record.name,
            scopes: created.record.scopes,
            key: created.key.expose(),
        }),
    )
}

/// Every API key, revoked ones too, newest first (admins only).
#[utoipa::path(
    tag = "api keys", operation_id = "list_api_keys",
    responses(
        (status = 200, body = Vec<ApiKeyView>),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[get("/api-keys")]
#[tracing::instrument(skip_all, fields(staff = %admin.id))]
pub async fn list_api_keys(
    Can(admin, _): Can<permits::Administer>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Vec<ApiKeyView>>> {
    let keys = api_keys::list(&state).await?;
    Ok(web::Json(keys.into_iter().map(ApiKeyView::from).collect()))
}

/// Revokes an API key (admins only): from now on it answers 401, on every instance.
#[utoipa::path(
    tag = "api keys", operation_id = "revoke_api_key",
    params(("id" = Uuid, Path, description = "API key id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found: no active key with this id", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[delete("/api-keys/{id}")]
#[tracing::instrument(skip_all, fields(staff = %admin.id))]
pub async fn revoke_api_key(
    Can(admin, _): Can<permits::Administer>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    api_keys::revoke(&state, &admin, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
