//! Who is signed in: the staff member (`/staff/me`, with what their role
//! allows) or the client (`/me`).

use crate::auth::{ClientUser, Permission};
use crate::domain::Client;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{get, web, HttpRequest};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The signed-in staff member and what their role allows (docs/api.md, "Staff roles").
#[derive(Serialize, ToSchema)]
pub struct StaffMe {
    pub id: Uuid,
    #[schema(example = "Alex Agent")]
    pub name: String,
    /// `agent`, `supervisor` or `admin`.
    #[schema(example = "agent")]
    pub role: String,
    /// The operations the role allows; PLUS Web offers only these.
    pub permissions: Vec<Permission>,
    /// Admins only (`null` for other roles): how many webhook endpoints the
    /// delivery worker disabled after every attempt failed for 24 hours
    /// (`disabled_reason` `failing`). PLUS Web reads it on load and shows
    /// admins a banner linking to the webhook endpoints until each is fixed
    /// and resumed (`update_webhook_endpoint`) or deleted.
    #[schema(example = 0)]
    pub failing_webhook_endpoints: Option<i64>,
}

/// The signed-in staff member, their role and its permissions.
#[utoipa::path(
    tag = "me", operation_id = "staff_me",
    responses(
        (status = 200, body = StaffMe),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[get("/staff/me")]
#[tracing::instrument(skip_all)]
pub async fn staff_me(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<StaffMe>> {
    let staff = crate::auth::staff(&req).await?;
    let permissions = staff.permissions();
    let failing_webhook_endpoints = if permissions.contains(&Permission::Administer) {
        Some(crate::services::webhooks::disabled_for_failing(&state).await?)
    } else {
        None
    };
    Ok(web::Json(StaffMe {
        permissions,
        failing_webhook_endpoints,
        id: staff.id,
        name: staff.name,
        role: staff.role,
    }))
}

/// The signed-in client's own record.
#[utoipa::path(
    tag = "me", operation_id = "get_me",
    responses(
        (status = 200, body = Client),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("client" = []))
)]
#[get("/me")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn get_me(me: ClientUser, state: web::Data<AppState>) -> ApiResult<web::Json<Client>> {
    let client = state
        .store
        .client(me.client_id)
        .await?
        .ok_or(ApiError::Unauthorized("this account no longer exists"))?;
    Ok(web::Json(client))
}
