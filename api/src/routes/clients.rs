//! Staff's client search and client record.

use crate::auth::{permits, Can};
use crate::domain::{Client, ClientSummary};
use crate::error::{ApiError, ApiResult, ProblemCode, CLIENT_NOT_FOUND};
use crate::services::notices::{self, ClientReminders};
use crate::state::AppState;
use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;
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

/// The texts a client gets, for PLUS Web's client page: whether the phone
/// opted out of texts (STOP), the next Auto Pay charge (date on the
/// location's calendar, amount, card) and the last reminder or notice sent.
#[utoipa::path(
    tag = "clients", operation_id = "get_client_reminders",
    params(("client_id" = Uuid, Path, description = "Client id")),
    responses(
        (status = 200, body = ClientReminders),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`client_not_found`", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("api_key" = ["clients:read"]))
)]
#[get("/clients/{client_id}/reminders")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn get_client_reminders(
    Can(staff, _): Can<permits::ReadClients>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<ClientReminders>> {
    Ok(web::Json(
        notices::client_reminders(&state, path.into_inner()).await?,
    ))
}
