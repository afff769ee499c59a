//! Staff's client search, client record and its edits.

use crate::auth::{permits, Can};
use crate::domain::{Client, ClientSummary, Language, Vehicle};
use crate::error::{ApiError, ApiResult, ProblemCode, CLIENT_NOT_FOUND};
use crate::services::appointments::{self, Booking};
use crate::services::clients;
use crate::services::notices::{self, ClientReminders};
use crate::state::AppState;
use actix_web::{delete, get, patch, put, web};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
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

/// A vehicle's next service appointment to book.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct NextAppointmentRequest {
    /// When it starts: RFC 3339 with an offset (`2026-12-12T10:00:00-06:00`);
    /// shown back in the client location's time zone. Must be in the future.
    #[schema(example = "2026-12-12T10:00:00-06:00")]
    pub starts_at: DateTime<FixedOffset>,
    /// The service center (1 to 100 characters).
    #[schema(example = "Austin Central Service Center")]
    pub location_name: String,
}

/// Books the next service appointment of a client's vehicle (replacing any),
/// with a Client Log line. Answers the vehicle with its `next_appointment`.
#[utoipa::path(
    tag = "clients", operation_id = "set_next_appointment",
    params(
        ("client_id" = Uuid, Path, description = "Client id"),
        ("vehicle_id" = Uuid, Path, description = "One of the client's vehicles"),
    ),
    request_body = NextAppointmentRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 200, body = Vehicle),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "client_not_found or vehicle_not_found", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed: `starts_at` not in the future, or `location_name` empty or too long", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[put("/clients/{client_id}/vehicles/{vehicle_id}/next-appointment")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn set_next_appointment(
    Can(staff, _): Can<permits::ScheduleAppointments>,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<NextAppointmentRequest>,
) -> ApiResult<web::Json<Vehicle>> {
    let (client_id, vehicle_id) = path.into_inner();
    let body = body.into_inner();
    let booking = Booking {
        starts_at: body.starts_at.with_timezone(&Utc),
        location_name: body.location_name,
    };
    let vehicle =
        appointments::set_next(&state, &staff, client_id, vehicle_id, Some(booking)).await?;
    Ok(web::Json(vehicle))
}

/// Clears the next service appointment of a client's vehicle, with a Client
/// Log line. Answers the vehicle (`next_appointment` null).
#[utoipa::path(
    tag = "clients", operation_id = "clear_next_appointment",
    params(
        ("client_id" = Uuid, Path, description = "Client id"),
        ("vehicle_id" = Uuid, Path, description = "One of the client's vehicles"),
    ),
    responses(
        (status = 200, body = Vehicle),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "client_not_found or vehicle_not_found", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[delete("/clients/{client_id}/vehicles/{vehicle_id}/next-appointment")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn clear_next_appointment(
    Can(staff, _): Can<permits::ScheduleAppointments>,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<web::Json<Vehicle>> {
    let (client_id, vehicle_id) = path.into_inner();
    let vehicle = appointments::set_next(&state, &staff, client_id, vehicle_id, None).await?;
    Ok(web::Json(vehicle))
}
