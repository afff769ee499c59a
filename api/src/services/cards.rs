//! Cards on file and Auto Pay enrollment: saving a tokenized card at the
//! gateway and on file (counted against `CLIENT_CARD_SAVES_PER_DAY`),
//! removing one (here first, then at the gateway), and turning Auto Pay on
//! with a card or off.

use crate::domain::{Actor, Card, Client};
use crate::error::{ApiError, ApiResult, ProblemCode, CARD_NOT_FOUND, CLIENT_NOT_FOUND};
use crate::gateway::GatewayError;
use crate::services::payments::{card_words, ensure_accepts_payments};
use crate::services::rate_limits;
use crate::state::AppState;
use crate::store::{CardRemoval, KeptCard, NewCard, NewLogEntry};
use uuid::Uuid;

/// The gateway did not answer a card save; nothing was charged.
const GATEWAY_UNAVAILABLE: ApiError = ApiError::Unavailable(
    "the payment gateway is not answering; no money was taken, please try again",
);

/// The client's cards on file.
pub async fn cards_of(state: &AppState, client_id: Uuid) -> ApiResult<Vec<Card>> {
    let client = state
        .store
        .client(client_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    Ok(client.cards)
}

/// The gateway customer a new card that pays is kept for, counting the save
/// against `CLIENT_CARD_SAVES_PER_DAY` (429 `rate_limited`).
pub async fn customer_for_new_card(state: &AppState, client: &Client) -> ApiResult<String> {
    rate_limits::card_save(state, client.id).await?;
    gateway_customer(state, client).await
}

/// The client's customer at the gateway: the one kept on the client, else
/// a new one, kept from now on (issue 15, item 4: Stripe forgets the
/// idempotency key a Customer was created under after 24 hours, so a later
/// save would have made a second Customer).
pub async fn gateway_customer(state: &AppState, client: &Client) -> ApiResult<String> {
    if let Some(kept) = state.store.gateway_customer_id(client.id).await? {
        return Ok(kept);
    }
    let made = state
        .gateway
        .customer(&client.id.to_string())
        .await
        .map_err(|_| GATEWAY_UNAVAILABLE)?;
    Ok(state
        .store
        .keep_gateway_customer_id(client.id, &made, state.clock.now())
        .await?)
}

/// Saves a tokenized card at the gateway and on file, without a payment
/// (Add a card). Counted like every card save; the bank is asked once
/// (`402 card_declined` and the other decline codes keep nothing), a token
/// the gateway refuses answers `402 payment_method_invalid`. A card the
/// client has on file already ([`crate::domain::is_same_card`]) is answered
/// as it is (`already_on_file`), and the gateway's new copy is detached.
pub async fn save_card(
    state: &AppState,
    client_id: Uuid,
    actor: &Actor,
    token: &str,
) -> ApiResult<KeptCard> {
    let client = state
        .store
        .client(client_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    rate_limits::card_save(state, client.id).await?;
    let customer = gateway_customer(state, &client).await?;
    let saved = state
        .gateway
        .save_card(token, &customer)
        .await
        .map_err(|error| match error {
            // The bank declined the card, or wants the cardholder to
            // authenticate, which saving without a payment does not do
            // (`authentication_required`: pay with it and keep it instead).
            GatewayError::Rejected(code)
                if crate::gateway::DECLINE_CODES.contains(&code.as_str()) =>
            {
                ApiError::declined(&code)
            }
            GatewayError::Rejected(_) => ApiError::declined("payment_method_invalid"),
            _ => GATEWAY_UNAVAILABLE,
        })?;
    let card = NewCard {
        id: Uuid::new_v4(),
        client_id: client.id,
        gateway_token: saved.gateway_token.clone(),
        brand: saved.card.brand.clone(),
        last4: saved.card.last4.clone(),
        exp_month: saved.card.exp_month,
        exp_year: saved.card.exp_year,
        fingerprint: saved.fingerprint,
    };
    let words = card_words(Some(&card.brand), Some(&card.last4));
    let log = NewLogEntry::by(
        actor,
        client.id,
        format!("Card {words} saved on file by {}", actor.name()),
    );
    let kept = state.store.add_card(&card, &log, state.clock.now()).await?;
    if kept.already_on_file {
        detach_duplicate(state, &card.gateway_token).await;
    }
    Ok(kept)
}

/// Detaches the gateway's copy of a card that was on file already, so the
/// gateway customer keeps one copy too. A failure is logged, not answered:
/// the copy is never charged, as nothing on file names it.
pub(crate) async fn detach_duplicate(state: &AppState, gateway_token: &str) {
    if let Err(error) = state.gateway.detach_card(gateway_token).await {
        tracing::warn!(%error, "the gateway's copy of a card already on file could not be detached");
    }
}

/// Removes a card on file, then detaches it at the gateway so it can never
/// be charged again. The card Auto Pay uses cannot go (`409
/// card_used_by_autopay`).
pub async fn remove_card(
    state: &AppState,
    actor: &Actor,
    client_id: Uuid,
    card_id: Uuid,
) -> ApiResult<()> {
    let card = state
        .store
        .chargeable_card(client_id, card_id)
        .await?
        .ok_or(CARD_NOT_FOUND)?;
    let words = card_words(Some(&card.card.brand), Some(&card.card.last4));
    let log = NewLogEntry::by(
        actor,
        client_id,
        format!("Card {words} removed by {}", actor.name()),
    );
    match state
        .store
        .remove_card(client_id, card_id, &log, state.clock.now())
        .await?
    {
        CardRemoval::Removed => {
            // Our record goes first: it decides whether the card may go (Auto
            // Pay). A detach that fails leaves a card we no longer know of.
            if let Err(error) = state.gateway.detach_card(&card.gateway_token).await {
                tracing::warn!(%error, %card_id, "the removed card could not be detached at the gateway");
            }
            Ok(())
        }
        CardRemoval::NotFound => Err(CARD_NOT_FOUND),
        CardRemoval::UsedByAutopay => Err(ApiError::Conflict {
            code: ProblemCode::CardUsedByAutopay,
            detail:
                "Auto Pay uses this card; choose another card for Auto Pay or turn it off first"
                    .into(),
        }),
    }
}

/// Turns Auto Pay on with `card_id` (a card on file, `422 card_required`
/// when absent; the location must take payments), or off when `card_id` is
/// `None` and `enabled` is false. Returns the card Auto Pay now charges.
pub async fn set_autopay(
    state: &AppState,
    actor: &Actor,
    client_id: Uuid,
    enabled: bool,
    card_id: Option<Uuid>,
) -> ApiResult<Option<Uuid>> {
    let client = state
        .store
        .client(client_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    let (card_id, message) = if enabled {
        ensure_accepts_payments(state, &client, actor, "Auto Pay enrollment").await?;
        let card_id = card_id.ok_or_else(|| {
            ApiError::validation(
                ProblemCode::CardRequired,
                "card_id",
                "choose the card Auto Pay should charge",
            )
        })?;
        let card = state
            .store
            .chargeable_card(client.id, card_id)
            .await?
            .ok_or(CARD_NOT_FOUND)?;
        let words = card_words(Some(&card.card.brand), Some(&card.card.last4));
        (
            Some(card_id),
            format!("Auto Pay enabled with {words} by {}", actor.name()),
        )
    } else {
        (None, format!("Auto Pay turned off by {}", actor.name()))
    };
    state
        .store
        .set_autopay(
            client.id,
            card_id,
            &NewLogEntry::by(actor, client.id, message),
            state.clock.now(),
        )
        .await?;
    Ok(card_id)
}
