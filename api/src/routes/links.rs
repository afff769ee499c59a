//! Secure payment links over HTTP: staff send one by SMS; the payer opens
//! and pays it with nothing but the token from the link. The use cases and
//! the link rules they need are in `services::links`.
//!
//! The token travels in the `Payment-Link-Token` header, never in a URL: URLs
//! land in proxy and load-balancer access logs, headers do not (security
//! issue, item 7; OWASP ASVS 3.1.1 "session tokens are never revealed in URL
//! parameters").

use crate::auth::{permits, Can, ClientUser};
use crate::domain::{
    client_short_name, display_status, Cents, ChargeKey, Language, Line, LinkDisplayStatus,
    LinkPayer, LinkSender, PaymentLink, PhoneNumber, Receipt, SmsFailure, SmsFailureReason,
};
use crate::error::{ApiError, ApiResult, ProblemCode};
use crate::routes::idempotency::{self, IdempotencyKey};
use crate::routes::payments::payment_answer;
use crate::routes::quote::monitor_days;
use crate::services::links::{self, SendLink};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{
    dev::Payload, get, post, web, FromRequest, HttpRequest, HttpResponse, ResponseError,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

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
                _ => Err(ApiError::Malformed {
                    code: ProblemCode::LinkTokenRequired,
                    detail: "send the token from the payment link in the Payment-Link-Token header"
                        .into(),
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
    #[schema(value_type = crate::domain::Cents, example = 17649)]
    pub amount_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
    #[schema(value_type = crate::domain::MonitorDays)]
    pub monitor_days: i64,
    #[schema(example = "(•••) •••-0143")]
    pub phone_masked: String,
    /// The number the link was texted to, as people write it (`(737)
    /// 555-0199`; E.164 outside North America): staff see where each link
    /// went, and the client sees the numbers they sent links to.
    #[schema(example = "(737) 555-0199")]
    pub phone: String,
    /// Whether the link went to the client's own phone or to someone who
    /// pays for them.
    pub payer: LinkPayer,
    /// Who sent it: a staff member (PLUS Web or an API key), the client from
    /// My Account, or the client by texting PAY. Null for links sent before
    /// this was recorded.
    pub sent_by: Option<LinkSender>,
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

/// `outdated`: the link's quote no longer stands (`services::links::is_outdated`).
fn view(link: PaymentLink, outdated: bool, now: DateTime<Utc>) -> LinkView {
    let phone = PhoneNumber::parse(&link.phone);
    LinkView {
        status: display_status(
            link.status,
            link.expires_at,
            link.sms_outcome(),
            outdated,
            now,
        ),
        phone_masked: phone.as_ref().map(|p| p.masked()).unwrap_or_default(),
        phone: phone.map(|p| p.display()).unwrap_or_default(),
        payer: link.payer,
        sent_by: link.sent_by.clone(),
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
    #[schema(value_type = crate::domain::MonitorDays)]
    pub monitor_days: i64,
    /// Where to text the link: the client's number or whoever pays for them.
    /// US numbers may omit +1.
    #[schema(value_type = crate::domain::PhoneNumber, example = "(512) 555-0143")]
    pub phone: String,
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
    security(("staff" = []), ("api_key" = ["links:write"]))
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
            let request = SendLink {
                client_id: body.client_id,
                vehicle_id: body.vehicle_id,
                days: monitor_days(body.monitor_days)?,
                phone: body.phone.clone(),
            };
            let link = links::send(&state, &staff, request).await?;
            json(StatusCode::CREATED, &view(link, false, state.clock.now()))
        },
    )
    .await
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ResendRequest {
    /// Another number to text; the old link's number when absent.
    #[schema(value_type = Option<crate::domain::PhoneNumber>)]
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
    security(("staff" = []), ("api_key" = ["links:write"]))
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
            let link = links::resend(&state, &staff, link_id, body.phone.as_deref()).await?;
            json(StatusCode::CREATED, &view(link, false, state.clock.now()))
        },
    )
    .await
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
    security(("staff" = []), ("api_key" = ["links:write"]))
)]
#[post("/payment-links/{link_id}/revoke")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn revoke_link(
    Can(staff, _): Can<permits::SendLinks>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<LinkView>> {
    let link = links::revoke(&state, &staff, path.into_inner()).await?;
    Ok(web::Json(view(link, false, state.clock.now())))
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
    security(("staff" = []), ("api_key" = ["clients:read"]))
)]
#[get("/clients/{client_id}/payment-links")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn client_links(
    Can(staff, _): Can<permits::ReadClients>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<LinkView>>> {
    let found = links::client_links(&state, path.into_inner()).await?;
    let now = state.clock.now();
    Ok(web::Json(
        found
            .into_iter()
            .map(|(l, outdated)| view(l, outdated, now))
            .collect(),
    ))
}

/// What the payer sees: the summary, and nothing else about the client.
#[derive(Serialize, ToSchema)]
pub struct LinkSummary {
    #[schema(example = "Dana")]
    pub client_first_name: String,
    /// Who opens the link: `client` when it was texted to the client's own
    /// phone ("Hi Dana"), `third_party` when to someone who pays for them
    /// ("You're paying for Dana W.").
    pub payer: LinkPayer,
    /// The client's first name and last initial, for a payer who is not the
    /// client.
    #[schema(example = "Dana W.")]
    pub client_short_name: String,
    #[schema(example = "2019 Toyota Camry")]
    pub vehicle_description: String,
    #[schema(value_type = crate::domain::MonitorDays)]
    pub monitor_days: i64,
    pub lines: Vec<Line>,
    #[schema(value_type = crate::domain::Cents, example = 17649)]
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
    /// The language of the client the link bills: the page starts in it (the
    /// payer may switch).
    pub language: Language,
}

/// The caller's address, as the per-IP link limit counts it.
pub(crate) fn caller_ip(state: &AppState, req: &HttpRequest) -> String {
    crate::client_ip::of(req, &state.settings.trusted_proxy_networks)
}

/// Opens a link (no login: the token is the authorization). Marks it opened.
#[utoipa::path(
    tag = "payment links", operation_id = "get_link", security(()),
    params(("Payment-Link-Token" = String, Header, description = "The token from the link (after `#` in the texted URL)")),
    responses(
        (status = 200, body = LinkSummary),
        (status = 400, description = "link_token_required", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "link_not_found", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "link_outdated: the link's quote no longer stands (its past due or credit was paid or used another way, or the vehicle's monitoring was paid since it was sent: its paid-through date is no longer the one recorded on the link); it cannot be paid, and `renew_expired_link` texts a fresh one", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "link_expired, link_used or link_revoked; `link_used` carries the receipt of the payment that paid the link (`receipt`)", body = LinkUsedProblem, content_type = "application/problem+json"),
        (status = 429, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/payment-link")]
#[tracing::instrument(skip_all)]
pub async fn get_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: PaymentLinkToken,
) -> ApiResult<HttpResponse> {
    let opened = match links::open(&state, &caller_ip(&state, &req), &token.0).await? {
        Ok(opened) => opened,
        Err(paid) => return Ok(link_used(&paid.refusal, paid.receipt)),
    };
    let link = opened.link.link;
    Ok(HttpResponse::Ok().json(LinkSummary {
        client_short_name: client_short_name(
            &opened.link.client_first_name,
            &opened.link.client_last_name,
        ),
        payer: link.payer,
        client_first_name: opened.link.client_first_name,
        vehicle_description: opened.link.vehicle_description,
        monitor_days: link.quote.monitor_days.days(),
        total_due_cents: link.quote.total_due_cents,
        currency: link.quote.currency,
        lines: link.quote.lines,
        expires_at: link.expires_at,
        seconds_left: (link.expires_at - state.clock.now()).num_seconds().max(0),
        payment_in_progress: opened.payment_in_progress,
        support_phone: state.settings.support_phone.clone(),
        language: opened.link.client_language,
    }))
}

/// `410 link_used` as `get_link` answers it: the problem, and the receipt of
/// the payment that paid the link, which only the link's holder sees.
#[derive(Serialize, ToSchema)]
pub struct LinkUsedProblem {
    #[serde(flatten)]
    pub problem: crate::error::Problem,
    /// The receipt of the payment that paid the link (absent for a link
    /// paid before receipts existed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
}

fn link_used(refusal: &ApiError, receipt: Option<Receipt>) -> HttpResponse {
    let mut body = refusal.problem_json();
    if let (serde_json::Value::Object(fields), Some(receipt)) = (&mut body, receipt) {
        fields.insert(
            "receipt".into(),
            serde_json::to_value(receipt).unwrap_or_default(),
        );
    }
    HttpResponse::build(refusal.status_code())
        .content_type("application/problem+json")
        .body(body.to_string())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct RedeemRequest {
    /// The card's single-use token from the gateway's tokenization.
    #[schema(example = "tok_sbx_ok_visa_4242_122030_3f2a")]
    pub payment_token: String,
    /// The payer accepted the terms; must be true.
    pub accept_terms: bool,
    /// The version of the terms the payer read and accepted (`get_terms`'s
    /// `version`), recorded with the payment. Required: missing, the answer
    /// is `422 terms_version_required`; no longer current, `409
    /// terms_version_stale`; nothing is charged either way. (Read as
    /// optional so that a missing one gets its own problem code.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "2026-12-01", value_type = String, required = true)]
    pub terms_version: Option<String>,
}

/// Pays a link: exactly the amount in its snapshot, at most once.
#[utoipa::path(
    tag = "payment links", operation_id = "redeem_token", security(()),
    params(
        ("Payment-Link-Token" = String, Header, description = "The token from the link (after `#` in the texted URL)"),
        ("Idempotency-Key" = String, Header, description = "A fresh key per payment attempt; retries reuse it"),
    ),
    request_body = RedeemRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 200, description = "Paid, with the receipt (`receipt`)", body = crate::routes::payments::PaymentResult),
        (status = 202, description = "Sent to the gateway; outcome being confirmed (`status` `pending` or `unknown`), or `requires_action`: the bank asks the payer to authenticate (3-D Secure). Then `next_action.client_secret` is for `stripe.handleNextAction` (or the sandbox bank's step), after which the browser calls `confirm_link_payment`; the link stays held meanwhile", body = crate::routes::payments::PaymentResult),
        (status = 400, description = "link_token_required, idempotency_key_required or invalid_idempotency_key", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 402, description = "Declined: the link stays payable", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "payment_in_progress (another redeem holds the link, or another payment for the vehicle is open: nothing was charged; the link stays payable and is out of date once that payment succeeds), terms_version_stale (the `terms_version` accepted is not the current one: show `get_terms` again; nothing was charged), or link_outdated (the past due in the link was paid, or is being paid, by another payment or a credit since it was sent, or the vehicle's paid-through date is no longer the one recorded when it was sent; nothing was charged and a new link is needed)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "link_expired, link_used or link_revoked", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "terms_not_accepted, terms_version_required (no `terms_version`: read `get_terms` and send its `version`; nothing was charged), or location_not_accepting_payments (the location stopped taking payments after the link was sent; nothing was charged)", body = crate::error::Problem, content_type = "application/problem+json"),
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
    let link = links::link_to_redeem(&state, &caller_ip(&state, &req), &token.0).await?;
    let principal = format!("link:{}", link.id);
    idempotency::run(&state, &principal, &key, "redeem_token", &*body, || async {
        let charge_key = ChargeKey::for_request(&principal, &key.0);
        let (payment, client_secret) = links::redeem(
            &state,
            &link,
            body.payment_token.clone(),
            body.accept_terms,
            body.terms_version.clone(),
            charge_key,
        )
        .await?;
        // A paid link answers 200 (not 201: nothing new is created for the payer).
        let (status, answer) = payment_answer(&state, &payment, client_secret.as_ref()).await?;
        let status = if status == StatusCode::CREATED {
            StatusCode::OK
        } else {
            status
        };
        Ok((status, answer))
    })
    .await
}

/// The new link "Text me a new link" sent: where it went and how long it
/// lasts. Its token is only in the text message.
#[derive(Serialize, ToSchema)]
pub struct RenewedLink {
    /// The phone the new link was texted to: the expired link's.
    #[schema(example = "(•••) •••-0143")]
    pub phone_masked: String,
    /// When the new link expires (UTC).
    pub expires_at: DateTime<Utc>,
    /// Seconds the new link can be paid for (`PAYMENT_LINK_TTL_SECONDS`).
    #[schema(example = 600)]
    pub seconds_left: i64,
}

/// Text me a new link: the payer of an **expired** or **out-of-date** link
/// (`409 link_outdated` on opening it) asks for a new one,
/// texted to the phone the expired link went to, with a fresh quote and a
/// fresh `PAYMENT_LINK_TTL_SECONDS` (no login: the expired link's token, in
/// the `Payment-Link-Token` header, is the authorization; it never goes in
/// the URL). The expired link is replaced once. Why the time limit itself
/// stays: docs/payments.md, "Why ten minutes".
#[utoipa::path(
    tag = "payment links", operation_id = "renew_expired_link", security(()),
    params(("Payment-Link-Token" = String, Header, description = "The expired link's token (after `#` in the texted URL)")),
    responses(
        (status = 201, description = "A new link was texted to the expired link's phone", body = RenewedLink),
        (status = 400, description = "link_token_required", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "link_not_found", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "link_not_expired: the link can still be paid (neither expired nor out of date)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "link_used, or link_revoked (cancelled, or already renewed)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "phone_opted_out (the phone answered STOP), phone_not_allowed, or location_not_accepting_payments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited: too many requests from this address, or `LINK_RENEWALS_PER_PHONE_PER_DAY` new links to this phone today (Retry-After)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/payment-link/renewal")]
#[tracing::instrument(skip_all)]
pub async fn renew_expired_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: PaymentLinkToken,
) -> ApiResult<HttpResponse> {
    let link = links::renew(&state, &caller_ip(&state, &req), &token.0).await?;
    let phone_masked = PhoneNumber::parse(&link.phone)
        .map(|p| p.masked())
        .unwrap_or_default();
    Ok(HttpResponse::Created().json(RenewedLink {
        phone_masked,
        expires_at: link.expires_at,
        seconds_left: (link.expires_at - state.clock.now()).num_seconds().max(0),
    }))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct SendMyLinkRequest {
    /// One of the signed-in client's vehicles (`404 vehicle_not_found` otherwise).
    pub vehicle_id: Uuid,
    #[schema(value_type = crate::domain::MonitorDays)]
    pub monitor_days: i64,
    /// The payer's number (a relative, an employer): where the link is
    /// texted. US numbers may omit +1.
    #[schema(value_type = crate::domain::PhoneNumber, example = "(512) 555-0143")]
    pub phone: String,
}

/// Send Secure Payment Link from My Account: the signed-in client texts a
/// one-time link for one of their vehicles to whoever pays for them; the
/// same quote, `PAYMENT_LINK_TTL_SECONDS` and single use as a staff send.
#[utoipa::path(
    tag = "payment links", operation_id = "send_my_link",
    params(("Idempotency-Key" = String, Header, description = "A fresh key per send; a retry never sends twice")),
    request_body = SendMyLinkRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, body = LinkView),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "vehicle_not_found: not one of the client's vehicles", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_phone, phone_not_allowed, location_not_accepting_payments, …", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited: LINK_SENDS_PER_CLIENT_PER_DAY reached (Retry-After)", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("client" = []))
)]
#[post("/me/payment-links")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn send_my_link(
    me: ClientUser,
    state: web::Data<AppState>,
    key: IdempotencyKey,
    body: web::Json<SendMyLinkRequest>,
) -> ApiResult<HttpResponse> {
    idempotency::run(
        &state,
        &me.actor().principal(),
        &key,
        "send_my_link",
        &*body,
        || async {
            let days = monitor_days(body.monitor_days)?;
            let link = links::send_mine(&state, &me, body.vehicle_id, days, &body.phone).await?;
            json(StatusCode::CREATED, &view(link, false, state.clock.now()))
        },
    )
    .await
}

/// The signed-in client's payment links, newest first, with their status
/// (never the token).
#[utoipa::path(
    tag = "payment links", operation_id = "list_my_links",
    responses(
        (status = 200, body = Vec<LinkView>),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("client" = []))
)]
#[get("/me/payment-links")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn list_my_links(
    me: ClientUser,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Vec<LinkView>>> {
    let now = state.clock.now();
    let found = links::my_links(&state, &me).await?;
    Ok(web::Json(
        found
            .into_iter()
            .map(|(l, outdated)| view(l, outdated, now))
            .collect(),
    ))
}
