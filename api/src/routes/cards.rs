//! The signed-in client's cards on file and Auto Pay enrollment
//! (`/me/cards`, `/me/autopay`); the use cases are in `services::cards`.

use crate::auth::ClientUser;
use crate::domain::Card;
use crate::error::ApiResult;
use crate::services::cards;
use crate::state::AppState;
use actix_web::{delete, get, post, put, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The signed-in client's cards on file.
#[utoipa::path(
    tag = "me", operation_id = "my_cards",
    responses((status = 200, body = Vec<Card>), (status = 401, body = crate::error::Problem, content_type = "application/problem+json")),
    security(("client" = []))
)]
#[get("/me/cards")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn my_cards(
    me: ClientUser,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Vec<Card>>> {
    Ok(web::Json(cards::cards_of(&state, me.client_id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct SaveCardRequest {
    /// A single-use token from the gateway's tokenization.
    #[schema(example = "tok_sbx_ok_visa_4242_122030_3f2a")]
    pub payment_token: String,
}

/// Saves a new card on file (from a single-use token).
#[utoipa::path(
    tag = "me", operation_id = "save_card", request_body = SaveCardRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, body = Card),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 402, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited: too many cards saved today (Retry-After)", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("client" = []))
)]
#[post("/me/cards")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn add_card(
    me: ClientUser,
    state: web::Data<AppState>,
    body: web::Json<SaveCardRequest>,
) -> ApiResult<HttpResponse> {
    let saved = cards::save_card(&state, me.client_id, &me.actor(), &body.payment_token).await?;
    Ok(HttpResponse::Created().json(saved.card))
}

/// Removes a card on file (not the one Auto Pay uses), here and at the
/// gateway (Stripe: the PaymentMethod is detached from the Customer).
#[utoipa::path(
    tag = "me", operation_id = "remove_card",
    params(("card_id" = Uuid, Path, description = "Card id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("client" = []))
)]
#[delete("/me/cards/{card_id}")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn remove_card(
    me: ClientUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    cards::remove_card(&state, &me.actor(), me.client_id, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct AutopayRequest {
    pub enabled: bool,
    /// The card to charge; required when enabling.
    pub card_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct AutopayStatus {
    pub autopay_enabled: bool,
    pub autopay_card_id: Option<Uuid>,
}

/// Turns Auto Pay on (with a card on file) or off.
#[utoipa::path(
    tag = "me", operation_id = "set_autopay", request_body = AutopayRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 200, body = AutopayStatus),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("client" = []))
)]
#[put("/me/autopay")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn set_autopay(
    me: ClientUser,
    state: web::Data<AppState>,
    body: web::Json<AutopayRequest>,
) -> ApiResult<web::Json<AutopayStatus>> {
    let card_id = cards::set_autopay(
        &state,
        &me.actor(),
        me.client_id,
        body.enabled,
        body.card_id,
    )
    .await?;
    Ok(web::Json(AutopayStatus {
        autopay_enabled: card_id.is_some(),
        autopay_card_id: card_id,
    }))
}
