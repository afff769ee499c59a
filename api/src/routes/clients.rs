//! Staff's client search, client record and its edits.

use crate::auth::{permits, Can};
use crate::domain::{Client, ClientSummary, Language};
use crate::error::{ApiError, ApiResult, ProblemCode, CLIENT_NOT_FOUND};
use crate::services::clients;
use crate::state::AppState;
use actix_web::{get, patch, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Part of a name, email or phone number.
    #[param(example = "dana")]
    pub q: String,
}

/// Staff search for clients by name, email or phone (at most 25 results).
#[utoipa::path(
    tag = "clients", operation_id = "search_clients", params(SearchQuery),
    responses(
        (status = 200, body = Vec<ClientSummary>),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`query_too_short`: fewer than 2 characters", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("api_key" = ["clients:read"]))
)]
#[get("/clients")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn search_clients(
    Can(staff, _): Can<permits::ReadClients>,
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> ApiResult<web::Json<Vec<ClientSummary>>> {
    let q = query.q.trim();
    if q.chars().count() < 2 {
        return Err(ApiError::validation(
            ProblemCode::QueryTooShort,
            "q",
            "type at least 2 characters to search",
        ));
    }
    Ok(web::Json(state.store.search_clients(q, 25).await?))
}

/// A client with location (incl. `accepts_payments`), vehicles, cards on file and past due balance.
#[utoipa::path(
    tag = "clients", operation_id = "get_client",
    params(("client_id" = Uuid, Path, description = "Client id")),
    responses(
        (status = 200, body = Client),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("api_key" = ["clients:read"]))
)]
#[get("/clients/{client_id}")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn get_client(
    Can(staff, _): Can<permits::ReadClients>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Client>> {
    let client = state
        .store
        .client(path.into_inner())
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    Ok(web::Json(client))
}

/// The fields of a client staff may change; a field left out stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateClientRequest {
    /// The language of the client's texts and My Account pages: `en` or
    /// `es` (anything else: `422 invalid_language`).
    #[schema(value_type = Option<Language>, example = "es")]
    pub language: Option<String>,
}

/// Changes a client's details: their language (`en` or `es`), which every
/// text to them and every My Account page follow. A change writes a Client
/// Log line. Every staff role may; API keys may not.
#[utoipa::path(
    tag = "clients", operation_id = "update_client", request_body = UpdateClientRequest,
    params(("client_id" = Uuid, Path, description = "Client id")),
    responses(
        crate::error::JsonBodyProblems,
        (status = 200, description = "The client as it now is", body = Client),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "client_not_found", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_language`: not `en` or `es`; `validation_failed`", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[patch("/clients/{client_id}")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn update_client(
    Can(staff, _): Can<permits::UpdateClients>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: web::Json<UpdateClientRequest>,
) -> ApiResult<web::Json<Client>> {
    let client_id = path.into_inner();
    let client = match body.into_inner().language {
        Some(code) => {
            let language = Language::parse(&code).ok_or_else(|| {
                ApiError::validation(
                    ProblemCode::InvalidLanguage,
                    "language",
                    "language must be en or es",
                )
            })?;
            clients::set_language(&state, &staff.actor(), client_id, language).await?
        }
        None => state
            .store
            .client(client_id)
            .await?
            .ok_or(CLIENT_NOT_FOUND)?,
    };
    Ok(web::Json(client))
}
