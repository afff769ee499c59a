//! Secure payment links: staff send one by SMS; the payer opens and pays it
//! with nothing but the token from the link.
//!
//! The token travels in the `Payment-Link-Token` header, never in a URL: URLs
//! land in proxy and load-balancer access logs, headers do not (security
//! issue, item 7; OWASP ASVS 3.1.1 "session tokens are never revealed in URL
//! parameters").

use crate::auth::{permits, Can, Staff};
use crate::domain::{
    display_status, gateway_key, link_state, sms_body, Actor, Cents, Line, LinkDisplayStatus,
    LinkState, LinkStatus, LinkToken, PaymentLink, PaymentMethod, PhoneNumber, SmsFailure,
    SmsFailureReason,
};
use crate::error::{ApiError, ApiResult};
use crate::payments::{self, Charge, Source};
use crate::rate_limit;
use crate::routes::clients::CLIENT_NOT_FOUND;
use crate::routes::idempotency::{self, IdempotencyKey};
use crate::routes::payments::{ensure_accepts_payments, payment_answer_with};
use crate::routes::quote::{monitor_days, quote_for};
use crate::state::AppState;
use crate::store::{Commit, NewLink, NewLogEntry, StoreError};
use actix_web::http::StatusCode;
use actix_web::{dev::Payload, get, post, web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

const LINK_NOT_FOUND: ApiError = ApiError::NotFound {
    code: "link_not_found",
    detail: "this payment link does not exist; check the link in your text message",
};

/// The header that carries a payment link's token on the payer's requests.
pub const LINK_TOKEN_HEADER: &str = "payment-link-token";

/// The token from the `Payment-Link-Token` header, as sent (it is parsed when
/// the link is looked up). Missing or not visible ASCII: `400 link_token_required`.
pub struct PaymentLinkToken(pub(crate) String);

impl FromRequest for PaymentLinkToken {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            match req.headers().get(LINK_TOKEN_HEADER).map(|v| v.to_str()) {
                Some(Ok(token)) if !token.is_empty() => Ok(PaymentLinkToken(token.to_owned())),
                _ => Err(ApiError::BadRequest {
                    status: StatusCode::BAD_REQUEST,
                    code: "link_token_required",
                    detail: "send the token from the payment link in the Payment-Link-Token header"
                        .into(),
                    errors: vec![],
                }),
            },
        )
    }
}

/// A link as staff see it.
#[derive(Serialize, ToSchema)]
pub struct LinkView {
    pub id: Uuid,
    pub client_id: Uuid,
    pub vehicle_id: Uuid,
    pub status: LinkDisplayStatus,
    #[schema(value_type = i64, example = 17649)]
    pub amount_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
    #[schema(schema_with = crate::domain::monitor_days::schema)]
    pub monitor_days: i64,
    #[schema(example = "(•••) •••-0143")]
    pub phone_masked: String,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub payment_id: Option<Uuid>,
    /// The SMS: `queued`, `sending`, `sent`, `delivered` or `failed`.
    pub sms_status: Option<String>,
    /// Why the SMS failed and what to do about it; present exactly when
    /// `sms_status` is `failed`.
    pub sms_failure: Option<SmsFailureView>,
}

/// A failed text, for the agent: why, in words, and the next step.
#[derive(Serialize, ToSchema)]
pub struct SmsFailureView {
    /// Stable machine value; also the `reason` label of the `sms_failed`
    /// metric. Twilio's error codes map to these (see `provider_error_code`).
    pub reason: SmsFailureReason,
    /// The SMS provider's own error code as it reported it, when it gave one:
    /// Twilio's `ErrorCode` (https://www.twilio.com/docs/api/errors), e.g.
    /// 21610 (opted out), 21614 (not a mobile number), 30003 (unreachable).
    #[schema(example = 21610)]
    pub provider_error_code: Option<i64>,
    /// What happened, in a sentence for staff.
    #[schema(example = "The number has opted out of texts from us (the client replied STOP).")]
    pub description: String,
    /// What the agent can do next.
    #[schema(example = "Ask the client to text START to our number and resend, or call them.")]
    pub next_step: String,
}

impl From<SmsFailure> for SmsFailureView {
    fn from(failure: SmsFailure) -> SmsFailureView {
        SmsFailureView {
            reason: failure.reason,
            provider_error_code: failure.provider_code,
            description: failure.reason.description().to_owned(),
            next_step: failure.reason.next_step().to_owned(),
        }
    }
}

fn view(link: PaymentLink, now: DateTime<Utc>) -> LinkView {
    LinkView {
        status: display_status(link.status, link.expires_at, link.sms_outcome(), now),
        phone_masked: PhoneNumber::parse(&link.phone)
            .map(|p| p.masked())
            .unwrap_or_default(),
        amount_cents: link.quote.total_due_cents,
        currency: link.quote.currency.clone(),
        monitor_days: link.quote.monitor_days.days(),
        id: link.id,
        client_id: link.client_id,
        vehicle_id: link.vehicle_id,
        sent_at: link.sent_at,
        expires_at: link.expires_at,
        opened_at: link.opened_at,
        paid_at: link.paid_at,
        revoked_at: link.revoked_at,
        payment_id: link.payment_id,
        sms_failure: link.sms_failure.map(SmsFailureView::from),
        sms_status: link.sms_status,
    }
}

fn json<T: Serialize>(status: StatusCode, body: &T) -> ApiResult<(StatusCode, serde_json::Value)> {
    Ok((
        status,
        serde_json::to_value(body).map_err(|e| ApiError::Internal(e.into()))?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct SendLinkRequest {
    pub client_id: Uuid,
    pub vehicle_id: Uuid,
    #[schema(schema_with = crate::domain::monitor_days::schema)]
    pub monitor_days: i64,
    /// Where to text the link: the client's number or whoever pays for them.
    /// US numbers may omit +1.
    #[schema(example = "(512) 555-0143")]
    pub phone: String,
}

/// Where a link may go, and whether this staff member may send one now:
/// a number we text (`422 invalid_phone`, `422 phone_not_allowed`), within
/// `LINK_SENDS_PER_STAFF_PER_HOUR` (`429 rate_limited`; counts this send).
async fn destination(state: &AppState, staff: &Staff, phone: &str) -> ApiResult<PhoneNumber> {
    let phone = PhoneNumber::parse(phone)
        .map_err(|e| ApiError::validation("invalid_phone", "phone", e.to_string()))?;
    phone
        .check_textable(&state.settings.sms_other_country_codes)
        .map_err(|e| ApiError::validation("phone_not_allowed", "phone", e.to_string()))?;
    rate_limit::hit(
        state,
        &format!("staff:{}:link-sends", staff.id),
        Duration::hours(1),
        state.settings.link_sends_per_staff_per_hour,
        "too many payment links sent this hour; wait a while or ask a supervisor",
    )
    .await?;
    Ok(phone)
}

/// Quotes, creates the link, queues its SMS and logs it, all in one transaction.
async fn send(
    state: &AppState,
    staff: &Staff,
    client_id: Uuid,
    vehicle_id: Uuid,
    days: i64,
    phone: PhoneNumber,
) -> ApiResult<LinkView> {
    let days = monitor_days(days)?;
    let (client, summary) = quote_for(state, client_id, vehicle_id, days).await?;
    let actor = staff.actor();
    ensure_accepts_payments(state, &client, &actor, "Secure payment link").await?;
    if summary.quote.total_due_cents <= Cents::ZERO {
        return Err(ApiError::refused("nothing_to_pay", "the total due is zero"));
    }
    let token = LinkToken::generate();
    let now = state.clock.now();
    let ttl = state.settings.payment_link_ttl_seconds;
    let url = format!("{}{}", state.settings.payment_link_base(), token.expose());
    let body = sms_body(
        &state.settings.company_name,
        summary.quote.total_due_cents,
        &url,
        ttl,
    );
    let message = format!(
        "Secure payment link for {} sent to {} by {}",
        summary.quote.total_due_cents,
        phone.masked(),
        staff.name
    );
    let link = NewLink {
        id: Uuid::new_v4(),
        client_id,
        vehicle_id,
        token_hash: token.hash(),
        phone: phone.to_string(),
        quote: summary.quote,
        sent_at: now,
        expires_at: now + Duration::seconds(ttl),
        created_by: staff.id,
        sms_body_sealed: state.sealer.seal(&body),
        log: NewLogEntry::by(&actor, client_id, message),
    };
    state.store.create_link(&link).await?;
    state.outbox_wakeup.notify_one();
    let created = state
        .store
        .link(link.id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("new link not found")))?;
    Ok(view(created, now))
}

/// Send Secure Payment Link: texts the client (or whoever pays) a one-time
/// link to pay the quoted amount within `PAYMENT_LINK_TTL_SECONDS`.
#[utoipa::path(
    tag = "payment links", operation_id = "send_link",
    params(("Idempotency-Key" = String, Header, description = "A fresh key per send; a retry never sends twice")),
    request_body = SendLinkRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, body = LinkView),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_phone, phone_not_allowed, location_not_accepting_payments, …", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited: LINK_SENDS_PER_STAFF_PER_HOUR reached (Retry-After)", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[post("/payment-links")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn send_link(
    Can(staff, _): Can<permits::SendLinks>,
    state: web::Data<AppState>,
    key: IdempotencyKey,
    body: web::Json<SendLinkRequest>,
) -> ApiResult<HttpResponse> {
    idempotency::run(
        &state,
        &staff.actor().principal(),
        &key,
        "send_link",
        &*body,
        || async {
            let phone = destination(&state, &staff, &body.phone).await?;
            let link = send(
                &state,
                &staff,
                body.client_id,
                body.vehicle_id,
                body.monitor_days,
                phone,
            )
            .await?;
            json(StatusCode::CREATED, &link)
        },
    )
    .await
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ResendRequest {
    /// Another number to text; the old link's number when absent.
    pub phone: Option<String>,
}

/// Resend: revokes the link and sends a new one (fresh quote, fresh time to live).
#[utoipa::path(
    tag = "payment links", operation_id = "resend_link",
    params(
        ("link_id" = Uuid, Path, description = "Link id"),
        ("Idempotency-Key" = String, Header, description = "A fresh key per resend"),
    ),
    request_body = ResendRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, description = "The new link", body = LinkView),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already paid or being paid", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_phone, phone_not_allowed, …", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited: LINK_SENDS_PER_STAFF_PER_HOUR reached (Retry-After); the old link is left as it was", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[post("/payment-links/{link_id}/resend")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn resend_link(
    Can(staff, _): Can<permits::SendLinks>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    key: IdempotencyKey,
    body: web::Json<ResendRequest>,
) -> ApiResult<HttpResponse> {
    let link_id = path.into_inner();
    idempotency::run(
        &state,
        &staff.actor().principal(),
        &key,
        "resend_link",
        &(link_id, &*body),
        || async {
            let old = state.store.link(link_id).await?.ok_or(LINK_NOT_FOUND)?;
            // Checked before the old link is revoked, so a refusal leaves it payable.
            let phone = body.phone.as_deref().unwrap_or(&old.phone);
            let phone = destination(&state, &staff, phone).await?;
            revoke(&state, &staff, &old).await?;
            let link = send(
                &state,
                &staff,
                old.client_id,
                old.vehicle_id,
                old.quote.monitor_days.days(),
                phone,
            )
            .await?;
            json(StatusCode::CREATED, &link)
        },
    )
    .await
}

/// Revokes unless paid or being paid; an expired or revoked link is left as it is.
async fn revoke(state: &AppState, staff: &Staff, link: &PaymentLink) -> ApiResult<()> {
    let mut status = link.status;
    loop {
        match link_state(status, link.expires_at, state.clock.now()) {
            LinkState::Used => {
                return Err(ApiError::Conflict {
                    code: "link_used",
                    detail: "this link was already paid".into(),
                })
            }
            LinkState::InPayment => {
                return Err(ApiError::Conflict {
                    code: "payment_in_progress",
                    detail: "this link is being paid right now".into(),
                })
            }
            LinkState::Revoked | LinkState::Expired => return Ok(()),
            LinkState::Payable => {
                let message = format!(
                    "Secure payment link for {} revoked by {}",
                    link.quote.total_due_cents, staff.name
                );
                let log = NewLogEntry::by(&staff.actor(), link.client_id, message);
                if state
                    .store
                    .revoke_link(link.id, &log, state.clock.now())
                    .await?
                {
                    return Ok(());
                }
                // A payer claimed it since it was read: decide on what it is now.
                status = state
                    .store
                    .link(link.id)
                    .await?
                    .ok_or(LINK_NOT_FOUND)?
                    .status;
            }
        }
    }
}

/// Revokes a link so it can no longer be paid.
#[utoipa::path(
    tag = "payment links", operation_id = "revoke_link",
    params(("link_id" = Uuid, Path, description = "Link id")),
    responses(
        (status = 200, body = LinkView),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[post("/payment-links/{link_id}/revoke")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn revoke_link(
    Can(staff, _): Can<permits::SendLinks>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<LinkView>> {
    let link = state
        .store
        .link(path.into_inner())
        .await?
        .ok_or(LINK_NOT_FOUND)?;
    revoke(&state, &staff, &link).await?;
    let link = state.store.link(link.id).await?.ok_or(LINK_NOT_FOUND)?;
    Ok(web::Json(view(link, state.clock.now())))
}

/// A client's links, newest first, with their live status.
#[utoipa::path(
    tag = "payment links", operation_id = "client_links",
    params(("client_id" = Uuid, Path, description = "Client id")),
    responses(
        (status = 200, body = Vec<LinkView>),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[get("/clients/{client_id}/payment-links")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn client_links(
    Can(staff, _): Can<permits::ReadClients>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<LinkView>>> {
    let client = state
        .store
        .client(path.into_inner())
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    let now = state.clock.now();
    Ok(web::Json(
        state
            .store
            .client_links(client.id)
            .await?
            .into_iter()
            .map(|l| view(l, now))
            .collect(),
    ))
}

/// What the payer sees: the summary, and nothing else about the client.
#[derive(Serialize, ToSchema)]
pub struct LinkSummary {
    #[schema(example = "Dana")]
    pub client_first_name: String,
    #[schema(example = "2019 Toyota Camry")]
    pub vehicle_description: String,
    #[schema(schema_with = crate::domain::monitor_days::schema)]
    pub monitor_days: i64,
    pub lines: Vec<Line>,
    #[schema(value_type = i64, example = 17649)]
    pub total_due_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
    pub expires_at: DateTime<Utc>,
    #[schema(example = 540)]
    pub seconds_left: i64,
    /// True while another attempt to pay this link is being processed.
    pub payment_in_progress: bool,
    #[schema(example = "(800) 555-0100")]
    pub support_phone: String,
}

/// The link's refusals: distinct for the payer's pop-ups, nothing about the client.
fn refusal(state: LinkState) -> Option<ApiError> {
    let gone = |code, detail: &str| ApiError::BadRequest {
        status: StatusCode::GONE,
        code,
        detail: detail.into(),
        errors: vec![],
    };
    match state {
        LinkState::Payable | LinkState::InPayment => None,
        LinkState::Expired => Some(gone(
            "link_expired",
            "this payment link has expired; contact the support team for a new one",
        )),
        LinkState::Used => Some(gone(
            "link_used",
            "this payment link was already used to pay",
        )),
        LinkState::Revoked => Some(gone(
            "link_revoked",
            "this payment link was cancelled; contact the support team for a new one",
        )),
    }
}

/// Counts a request from this IP against the link endpoints' limit.
async fn limit_ip(state: &AppState, req: &HttpRequest) -> ApiResult<()> {
    let ip = crate::client_ip::of(req, &state.settings.trusted_proxy_networks);
    rate_limit::hit(
        state,
        &format!("ip:{ip}:links"),
        Duration::minutes(1),
        state.settings.link_rate_limit_per_minute,
        TOO_MANY,
    )
    .await
}

const TOO_MANY: &str = "too many attempts; wait a moment and try again";

/// The link named by `token`, for a caller within the per-IP limit. The
/// count and the lookup run at once; the limit's refusal comes first.
pub(crate) async fn find_link(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
) -> ApiResult<PaymentLink> {
    let lookup = async {
        let token = LinkToken::parse(token).ok_or(LINK_NOT_FOUND)?;
        state
            .store
            .link_by_token_hash(&token.hash())
            .await?
            .ok_or(LINK_NOT_FOUND)
    };
    let (limit, link) = tokio::join!(limit_ip(state, req), lookup);
    limit?;
    link
}

/// Opens a link (no login: the token is the authorization). Marks it opened.
#[utoipa::path(
    tag = "payment links", operation_id = "get_link",
    params(("Payment-Link-Token" = String, Header, description = "The token from the link (after `#` in the texted URL)")),
    responses(
        (status = 200, body = LinkSummary),
        (status = 400, description = "link_token_required", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "link_not_found", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "link_expired, link_used or link_revoked", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/payment-link")]
#[tracing::instrument(skip_all)]
pub async fn get_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: PaymentLinkToken,
) -> ApiResult<web::Json<LinkSummary>> {
    let link = find_link(&state, &req, &token.0).await?;
    let now = state.clock.now();
    let link_state = link_state(link.status, link.expires_at, now);
    if let Some(refusal) = refusal(link_state) {
        return Err(refusal);
    }
    let mark_opened = async {
        if link.status == LinkStatus::Sent {
            state.store.mark_link_opened(link.id, now).await?;
        }
        Ok::<_, crate::store::StoreError>(())
    };
    let (opened, client) = tokio::join!(
        mark_opened,
        state
            .store
            .client_with_vehicle(link.client_id, link.vehicle_id)
    );
    opened?;
    let client = client?.ok_or(LINK_NOT_FOUND)?;
    let vehicle_description = client
        .vehicle(link.vehicle_id)
        .map(|v| v.description.clone())
        .unwrap_or_default();
    Ok(web::Json(LinkSummary {
        client_first_name: client.first_name,
        vehicle_description,
        monitor_days: link.quote.monitor_days.days(),
        total_due_cents: link.quote.total_due_cents,
        currency: link.quote.currency,
        lines: link.quote.lines,
        expires_at: link.expires_at,
        seconds_left: (link.expires_at - now).num_seconds().max(0),
        payment_in_progress: link_state == LinkState::InPayment,
        support_phone: state.settings.support_phone.clone(),
    }))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct RedeemRequest {
    /// The card's single-use token from the gateway's tokenization.
    #[schema(example = "tok_sbx_ok_visa_4242_122030_3f2a")]
    pub payment_token: String,
    /// The payer accepted the terms; must be true.
    pub accept_terms: bool,
}

/// The Client Log's name for a payment through a secure payment link.
pub const LINK_PAYMENT: &str = "Secure payment link payment";

/// How long a redeem waits for another redeem of the same link to finish.
const CLAIM_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Pays a link: exactly the amount in its snapshot, at most once.
#[utoipa::path(
    tag = "payment links", operation_id = "redeem_token",
    params(
        ("Payment-Link-Token" = String, Header, description = "The token from the link (after `#` in the texted URL)"),
        ("Idempotency-Key" = String, Header, description = "A fresh key per payment attempt; retries reuse it"),
    ),
    request_body = RedeemRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 200, description = "Paid", body = crate::routes::payments::PaymentResult),
        (status = 202, description = "Sent to the gateway; outcome being confirmed (`status` `pending` or `unknown`), or `requires_action`: the bank asks the payer to authenticate (3-D Secure). Then `next_action.client_secret` is for `stripe.handleNextAction` (or the sandbox bank's step), after which the browser calls `confirm_link_payment`; the link stays held meanwhile", body = crate::routes::payments::PaymentResult),
        (status = 400, description = "link_token_required, idempotency_key_required or invalid_idempotency_key", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 402, description = "Declined: the link stays payable", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "payment_in_progress (another redeem holds the link), or link_outdated (the past due in the link was paid, or is being paid, by another payment since it was sent; nothing was charged and staff can send a new link)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "link_expired, link_used or link_revoked", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "terms_not_accepted, or location_not_accepting_payments (the location stopped taking payments after the link was sent; nothing was charged)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/payment-link/redeem")]
#[tracing::instrument(skip_all)]
pub async fn redeem_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: PaymentLinkToken,
    key: IdempotencyKey,
    body: web::Json<RedeemRequest>,
) -> ApiResult<HttpResponse> {
    let link = find_link(&state, &req, &token.0).await?;
    let principal = format!("link:{}", link.id);
    idempotency::run(&state, &principal, &key, "redeem_token", &*body, || async {
        if !body.accept_terms {
            return Err(ApiError::validation(
                "terms_not_accepted",
                "accept_terms",
                "accept the terms to pay",
            ));
        }
        // A link that can no longer be paid says so (and costs no attempt).
        if let Some(refusal) = refusal(link_state(link.status, link.expires_at, state.clock.now())) {
            return Err(refusal);
        }
        // The attempt is counted before anything is charged, in one atomic
        // increment: however many redeems arrive at once, at most
        // LINK_DECLINE_LIMIT of them reach the gateway in a window.
        let attempts = format!("link:{}:attempts", link.id);
        let (attempt, client) = tokio::join!(
            rate_limit::hit(
                &state,
                &attempts,
                Duration::minutes(10),
                state.settings.link_decline_limit,
                TOO_MANY,
            ),
            state
                .store
                .client_with_vehicle(link.client_id, link.vehicle_id)
        );
        attempt?;
        let client = client?.ok_or(CLIENT_NOT_FOUND)?;
        let actor = Actor::Client {
            id: client.id,
            name: format!("{} (payment link)", client.first_name),
        };
        // The location may have stopped taking payments since the link was sent.
        ensure_accepts_payments(&state, &client, &actor, "Secure payment link payment").await?;
        claim(&state, link.id).await?;
        let (payment, client_secret) = payments::charge_on_session(
            &state,
            Charge {
                client: &client,
                vehicle_id: link.vehicle_id,
                quote: link.quote.clone(),
                method: PaymentMethod::PaymentLink,
                source: Source::Token(body.payment_token.clone()),
                actor: &actor,
                gateway_key: gateway_key(&principal, &key.0),
                payment_link_id: Some(link.id),
                label: LINK_PAYMENT,
                commit: Commit::Deferred,
                save_to_customer: None,
            },
        )
        .await
        .map_err(|error| match error {
            StoreError::PastDueChanged => ApiError::Conflict {
                code: "link_outdated",
                detail: "the past due balance in this link was paid, or is being paid, by another payment; ask for a new link".into(),
            },
            error => error.into(),
        })?;
        let (status, answer) = payment_answer_with(&payment, client_secret.as_ref())?;
        Ok((
            if status == StatusCode::CREATED {
                StatusCode::OK
            } else {
                status
            },
            answer,
        ))
    })
    .await
}

/// Takes the link for this redeem (the single-use rule). While another
/// redeem holds it, waits for that one to finish, then answers what happened.
async fn claim(state: &AppState, link_id: Uuid) -> ApiResult<()> {
    let deadline = tokio::time::Instant::now() + CLAIM_WAIT;
    loop {
        if state.store.claim_link(link_id, state.clock.now()).await? {
            return Ok(());
        }
        let link = state.store.link(link_id).await?.ok_or(LINK_NOT_FOUND)?;
        let current = link_state(link.status, link.expires_at, state.clock.now());
        if let Some(refusal) = refusal(current) {
            return Err(refusal);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError::Conflict {
                code: "payment_in_progress",
                detail: "this link is being paid right now; check back in a moment".into(),
            });
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
