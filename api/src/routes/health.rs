//! Health checks: `/healthz` (the process answers) and `/readyz` (the
//! database answers too).

use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use serde_json::json;

/// The process is up.
#[utoipa::path(tag = "health", operation_id = "healthz", responses((status = 200, description = "Alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The database answers; 503 while it does not.
#[utoipa::path(tag = "health", operation_id = "readyz", responses((status = 200, description = "Ready"), (status = 503, description = "Database unreachable")))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "database unavailable" }))
        }
    }
}
