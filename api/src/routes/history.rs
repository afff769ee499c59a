//! Account history, invoices added by staff, the Client Log, and the
//! signed-in client's invoices.

use crate::auth::{permits, Can, ClientUser};
use crate::domain::{Cents, Invoice, InvoiceAmounts, LogEntry, Payment};
use crate::error::{ApiError, ApiResult, ProblemCode, CLIENT_NOT_FOUND};
use crate::routes::idempotency::{self, IdempotencyKey};
use crate::routes::quote::monitor_days;
use crate::services::quotes::quote_for;
use crate::state::AppState;
use crate::store::{NewInvoice, NewLogEntry};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Invoices and payments, newest first, with the balance they add up to.
#[derive(Serialize, ToSchema)]
pub struct AccountHistory {
    pub client_id: Uuid,
    #[schema(value_type = crate::domain::Cents, example = 12345)]
    pub past_due_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
    pub invoices: Vec<Invoice>,
    pub payments: Vec<Payment>,
}

/// The Account History tab: invoices, payments and the past due balance.
#[utoipa::path(
    tag = "clients", operation_id = "account_history",
    params(("client_id" = Uuid, Path, description = "Client id")),
    responses(
        (status = 200, body = AccountHistory),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("api_key" = ["payments:read"]))
)]
#[get("/clients/{client_id}/account-history")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn account_history(
    Can(staff, _): Can<permits::ReadPayments>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<AccountHistory>> {
    let client = state
        .store
        .client(path.into_inner())
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    Ok(web::Json(AccountHistory {
        client_id: client.id,
        past_due_cents: client.past_due_cents,
        currency: client.currency,
        invoices: state.store.client_invoices(client.id).await?,
        payments: state.store.client_payments(client.id).await?,
    }))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct NewInvoiceRequest {
    pub vehicle_id: Uuid,
    #[schema(value_type = crate::domain::MonitorDays)]
    pub monitor_days: i64,
}

/// Add New Invoice: bill a vehicle's monitoring period (monitoring fee and
/// tax; the past due balance is not billed again). It raises the past due
/// balance until paid.
#[utoipa::path(
    tag = "clients", operation_id = "add_invoice",
    params(
        ("client_id" = Uuid, Path, description = "Client id"),
        ("Idempotency-Key" = String, Header, description = "A fresh key per invoice; retries reuse it"),
    ),
    request_body = NewInvoiceRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, body = Invoice),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[post("/clients/{client_id}/invoices")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn add_invoice(
    Can(staff, _): Can<permits::AddInvoices>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    key: IdempotencyKey,
    body: web::Json<NewInvoiceRequest>,
) -> ApiResult<HttpResponse> {
    let client_id = path.into_inner();
    let actor = staff.actor();
    idempotency::run(
        &state,
        &actor.principal(),
        &key,
        "add_invoice",
        &(client_id, &*body),
        || async {
            let days = monitor_days(body.monitor_days)?;
            let (_, summary) = quote_for(&state, client_id, body.vehicle_id, days).await?;
            let amounts = InvoiceAmounts::from_quote(&summary.quote, false);
            let now = state.clock.now();
            let invoice = NewInvoice {
                id: Uuid::new_v4(),
                client_id,
                vehicle_id: Some(body.vehicle_id),
                status: "open".into(),
                monitor_days: Some(days),
                lines: amounts.lines,
                subtotal: amounts.subtotal,
                tax: amounts.tax,
                past_due: amounts.past_due,
                total: amounts.total,
                created_by: format!("{} (staff)", staff.name),
                issued_at: now,
            };
            let message = format!(
                "Invoice of {} for {} days of monitoring ({}) added by {}",
                amounts.total,
                days.days(),
                summary.vehicle_description,
                staff.name
            );
            state
                .store
                .add_invoice(&invoice, &NewLogEntry::by(&actor, client_id, message), now)
                .await?;
            let created = state
                .store
                .client_invoices(client_id)
                .await?
                .into_iter()
                .find(|i| i.id == invoice.id);
            let created = created
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("new invoice not found")))?;
            Ok((
                StatusCode::CREATED,
                serde_json::to_value(created).map_err(|e| ApiError::Internal(e.into()))?,
            ))
        },
    )
    .await
}

/// The Client Log: comments on everything done for this client, newest first.
#[utoipa::path(
    tag = "clients", operation_id = "client_log",
    params(("client_id" = Uuid, Path, description = "Client id")),
    responses(
        (status = 200, body = Vec<LogEntry>),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("api_key" = ["clients:read"]))
)]
#[get("/clients/{client_id}/log")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn client_log(
    Can(staff, _): Can<permits::ReadClients>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<LogEntry>>> {
    let client = state
        .store
        .client(path.into_inner())
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    Ok(web::Json(state.store.client_log(client.id).await?))
}

/// The signed-in client's invoices, newest first.
#[utoipa::path(
    tag = "me", operation_id = "my_invoices",
    responses((status = 200, body = Vec<Invoice>), (status = 401, body = crate::error::Problem, content_type = "application/problem+json")),
    security(("client" = []))
)]
#[get("/me/invoices")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn my_invoices(
    me: ClientUser,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Vec<Invoice>>> {
    Ok(web::Json(state.store.client_invoices(me.client_id).await?))
}

/// One of the signed-in client's invoices (another client's is not found).
#[utoipa::path(
    tag = "me", operation_id = "my_invoice",
    params(("invoice_id" = Uuid, Path, description = "Invoice id")),
    responses(
        (status = 200, body = Invoice),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("client" = []))
)]
#[get("/me/invoices/{invoice_id}")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn my_invoice(
    me: ClientUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Invoice>> {
    let invoice_id = path.into_inner();
    let invoice = state
        .store
        .client_invoices(me.client_id)
        .await?
        .into_iter()
        .find(|i| i.id == invoice_id);
    Ok(web::Json(invoice.ok_or(ApiError::NotFound {
        code: ProblemCode::InvoiceNotFound,
        detail: "no such invoice",
    })?))
}
