//! Cards on file and Auto Pay enrollment: the signed-in client's
//! (`/me/cards`, `/me/autopay`) and, for staff, a client's
//! (`/clients/{client_id}/cards`); the use cases are in `services::cards`.

use crate::auth::{permits, Can, ClientUser};
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

/// Saves a new card on file (from a single-use token), after the bank agreed
/// to keep it (a declined card answers 402 and is not kept). A card already
/// on file (same gateway fingerprint and expiry, or same brand, last 4 and
/// expiry) answers 200 with that card: it is kept once.
#[utoipa::path(
    tag = "me", operation_id = "save_card", request_body = SaveCardRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, description = "Saved", body = Card),
        (status = 200, description = "The card was on file already; nothing was added", body = Card),
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
    let kept = cards::save_card(&state, me.client_id, &me.actor(), &body.payment_token).await?;
    Ok(if kept.already_on_file {
        HttpResponse::Ok().json(kept.card)
    } else {
        HttpResponse::Created().json(kept.card)
    })
}

/// Removes a card on file, here and at the gateway (Stripe: the
/// PaymentMethod is detached from the Customer). The card Auto Pay charges is
/// refused with `409 card_used_by_autopay`: choose another card for Auto Pay
/// or turn Auto Pay off first, so Auto Pay never stops without the client
/// deciding it.
#[utoipa::path(
    tag = "me", operation_id = "remove_card",
    params(("card_id" = Uuid, Path, description = "Card id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "card_not_found", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "card_used_by_autopay", body = crate::error::Problem, content_type = "application/problem+json"),
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

/// Staff remove a client's card on file (the client asked on the phone, or
/// the card is lost), here and at the gateway; as `remove_card`, the card
/// Auto Pay charges is refused with `409 card_used_by_autopay`. The Client
/// Log says who removed it.
#[utoipa::path(
    tag = "clients", operation_id = "remove_client_card",
    params(
        ("client_id" = Uuid, Path, description = "Client id"),
        ("card_id" = Uuid, Path, description = "Card id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "card_not_found", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "card_used_by_autopay", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("api_key" = ["payments:write"]))
)]
#[delete("/clients/{client_id}/cards/{card_id}")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn remove_client_card(
    Can(staff, _): Can<permits::TakePayments>,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (client_id, card_id) = path.into_inner();
    cards::remove_card(&state, &staff.actor(), client_id, card_id).await?;
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

/// The signed-in client's Auto Pay: whether it is on, the card it charges
/// and its next charge (date, amount, vehicle), computed as staff see it in
/// `get_client_reminders`, so the client knows a charge is coming and does
/// not pay twice.
#[utoipa::path(
    tag = "me", operation_id = "get_my_autopay",
    responses(
        (status = 200, body = crate::services::notices::MyAutopay),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("client" = []))
)]
#[get("/me/autopay")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn get_my_autopay(
    me: ClientUser,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<crate::services::notices::MyAutopay>> {
    Ok(web::Json(
        crate::services::notices::my_autopay(&state, me.client_id).await?,
    ))
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
