use crate::auth::ClientUser;
use crate::domain::Card;
use crate::error::{ApiError, ApiResult};
use crate::payments::card_words;
use crate::routes::clients::CLIENT_NOT_FOUND;
use crate::routes::payments::{ensure_accepts_payments, save_card, CARD_NOT_FOUND};
use crate::state::AppState;
use crate::store::{CardRemoval, NewLogEntry};
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
    let client = state
        .store
        .client(me.client_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    Ok(web::Json(client.cards))
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
    let client = state
        .store
        .client(me.client_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    let saved = save_card(&state, &client, &me.actor(), &body.payment_token).await?;
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
    let card_id = path.into_inner();
    let card = state
        .store
        .chargeable_card(me.client_id, card_id)
        .await?
        .ok_or(CARD_NOT_FOUND)?;
    let words = card_words(Some(&card.card.brand), Some(&card.card.last4));
    let log = NewLogEntry::by(
        &me.actor(),
        me.client_id,
        format!("Card {words} removed by {}", me.name),
    );
    match state
        .store
        .remove_card(me.client_id, card_id, &log, state.clock.now())
        .await?
    {
        CardRemoval::Removed => {
            // Then at the gateway, so the card can never be charged again.
            // Our record goes first: it decides whether the card may go (Auto
            // Pay). A detach that fails leaves a card we no longer know of.
            if let Err(error) = state.gateway.detach_card(&card.gateway_token).await {
                tracing::warn!(%error, %card_id, "the removed card could not be detached at the gateway");
            }
            Ok(HttpResponse::NoContent().finish())
        }
        CardRemoval::NotFound => Err(CARD_NOT_FOUND),
        CardRemoval::UsedByAutopay => Err(ApiError::Conflict {
            code: "card_used_by_autopay",
            detail:
                "Auto Pay uses this card; choose another card for Auto Pay or turn it off first"
                    .into(),
        }),
    }
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
    let client = state
        .store
        .client(me.client_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    let actor = me.actor();
    let (card_id, message) = if body.enabled {
        ensure_accepts_payments(&state, &client, &actor, "Auto Pay enrollment").await?;
        let card_id = body.card_id.ok_or_else(|| {
            ApiError::validation(
                "card_required",
                "card_id",
                "choose the card Auto Pay should charge",
            )
        })?;
        let card = state
            .store
            .chargeable_card(client.id, card_id)
            .await?
            .ok_or(CARD_NOT_FOUND)?;
        (
            Some(card_id),
            format!(
                "Auto Pay enabled with {} by {}",
                card_words(Some(&card.card.brand), Some(&card.card.last4)),
                me.name
            ),
        )
    } else {
        (None, format!("Auto Pay turned off by {}", me.name))
    };
    state
        .store
        .set_autopay(
            client.id,
            card_id,
            &NewLogEntry::by(&actor, client.id, message),
            state.clock.now(),
        )
        .await?;
    Ok(web::Json(AutopayStatus {
        autopay_enabled: card_id.is_some(),
        autopay_card_id: card_id,
    }))
}
