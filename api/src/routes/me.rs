use crate::auth::ClientUser;
use crate::domain::Client;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{get, web};

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
