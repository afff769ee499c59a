//! Secure payment links: the use cases staff and payers have with them, and
//! the home of the link rules that need I/O.
//!
//! - **Send** ([`send`]), **resend** ([`resend`]) and **revoke** ([`revoke`]):
//!   staff, within `LINK_SENDS_PER_STAFF_PER_HOUR`. The link is created, its
//!   SMS queued in the outbox and the Client Log written in one transaction.
//! - **Send from My Account** ([`send_mine`]): the signed-in client, for one
//!   of their vehicles, to whoever pays for them, within
//!   `LINK_SENDS_PER_CLIENT_PER_DAY`; the same quote, time to live, single
//!   use, SMS and Client Log as a staff send (the same `create`).
//! - **Expiry**: set once, when the link is sent, by the domain rule
//!   [`link_expires_at`]; read by [`link_state`].
//! - **Open** ([`open`]) and **redeem** ([`redeem`]): the payer, with nothing
//!   but the token; every request counted against the per-IP limit first.
//! - **Single use** ([`claim`]): a redeem takes the link with one conditional
//!   state change (`sent|opened → paying` while unexpired) before anything is
//!   charged; the payment's success turns it `paid` in the same transaction
//!   that records the outcome. A redeem that finds the link taken waits for
//!   the other to finish, then answers what happened. The status sync makes a
//!   link payable again when its redeem died without writing a payment.
//! - **The decline lock**: at most `LINK_DECLINE_LIMIT` attempts per link per
//!   10 minutes reach the gateway (`rate_limits::link_payment_attempt`).
//! - **The revoke race**: a revoke and a redeem may meet; the revoke is the
//!   same kind of conditional change, and the loser decides again on what the
//!   link is now ([`revoke`]).

use crate::auth::{ClientUser, Staff};
use crate::domain::{
    client_short_name, link_expires_at, link_outdated, link_state, sms_body, third_party_sms_body,
    AccountNow, Actor, ChargeKey, Client, LinkPayer, LinkSender, LinkSentVia, LinkState,
    LinkStatus, LinkToken, MonitorDays, Payment, PaymentLink, PaymentMethod, PhoneNumber, Receipt,
};
use crate::error::{ApiError, ApiResult, ProblemCode, CLIENT_NOT_FOUND, LINK_NOT_FOUND};
use crate::gateway::ClientSecret;
use crate::services::payments::{
    self, ensure_accepts_payments, ensure_something_to_charge, Charge, Source,
};
use crate::services::quotes::quote_for;
use crate::services::{rate_limits, receipts};
use crate::state::AppState;
use crate::store::{Commit, NewLink, NewLogEntry, PayerLink, StoreError};
use uuid::Uuid;

/// How long a redeem waits for another redeem of the same link to finish.
const CLAIM_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// How often a waiting redeem looks at the link again.
const CLAIM_POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// A link to send: for whom, for what, and where to text it.
pub struct SendLink {
    pub client_id: Uuid,
    pub vehicle_id: Uuid,
    pub days: MonitorDays,
    /// As typed by staff; checked by [`send`].
    pub phone: String,
}

/// Who sends a link: staff (PLUS Web or an API key) or the client
/// themselves (My Account). Decides the send limit, the Client Log's words
/// and the link's `created_by` / `sent_by_client`.
#[derive(Clone, Copy)]
pub enum Sender<'a> {
    Staff(&'a Staff),
    Client(&'a ClientUser),
    /// The client texted PAY ([`send_by_reply`]): `name` is the client's.
    Reply {
        client_id: Uuid,
        name: &'a str,
    },
    /// The payer of an expired link, asking for a new one ([`renew`]).
    Payer,
}

impl Sender<'_> {
    fn actor(&self) -> Actor {
        match self {
            Sender::Staff(staff) => staff.actor(),
            Sender::Client(me) => me.actor(),
            Sender::Reply { client_id, name } => Actor::Client {
                id: *client_id,
                name: (*name).to_owned(),
            },
            Sender::Payer => Actor::System,
        }
    }

    /// Counts this send to `phone` against the sender's limit (`429
    /// rate_limited`): `LINK_SENDS_PER_STAFF_PER_HOUR`,
    /// `LINK_SENDS_PER_CLIENT_PER_DAY` or `LINK_RENEWALS_PER_PHONE_PER_DAY`.
    async fn count_send(&self, state: &AppState, phone: &PhoneNumber) -> ApiResult<()> {
        match self {
            Sender::Staff(staff) => rate_limits::link_send(state, &staff.actor().principal()).await,
            Sender::Client(me) => rate_limits::client_link_send(state, me.client_id).await,
            Sender::Reply { client_id, .. } => {
                rate_limits::client_link_send(state, *client_id).await
            }
            Sender::Payer => rate_limits::link_renewal(state, &phone.to_string()).await,
        }
    }

    /// Who sent it, as staff see it in the links list; `None` for a renewal,
    /// which keeps the sender of the link it replaces.
    fn sender(&self) -> Option<LinkSender> {
        match self {
            Sender::Staff(staff) => Some(LinkSender {
                via: LinkSentVia::Staff,
                name: staff.name.clone(),
            }),
            Sender::Client(me) => Some(LinkSender {
                via: LinkSentVia::MyAccount,
                name: me.name.clone(),
            }),
            Sender::Reply { name, .. } => Some(LinkSender {
                via: LinkSentVia::Reply,
                name: (*name).to_owned(),
            }),
            Sender::Payer => None,
        }
    }

    /// The Client Log's "by …".
    fn by(&self) -> String {
        match self {
            Sender::Staff(staff) => staff.name.clone(),
            Sender::Client(me) => format!("the client {} (My Account)", me.name),
            Sender::Reply { name, .. } => {
                format!("reply: requested by text (PAY) from that phone, the client {name}'s")
            }
            Sender::Payer => "the payer, whose link had expired (Text me a new link)".into(),
        }
    }
}

/// Where a link may go, and whether this sender may send one now:
/// a number we text (`422 invalid_phone`, `422 phone_not_allowed`, `422
/// phone_opted_out` when it answered STOP), within
/// the sender's limit (`429 rate_limited`; counts this send).
async fn destination(state: &AppState, sender: Sender<'_>, phone: &str) -> ApiResult<PhoneNumber> {
    let phone = PhoneNumber::parse(phone)
        .map_err(|e| ApiError::validation(ProblemCode::InvalidPhone, "phone", e.to_string()))?;
    phone
        .check_textable(&state.settings.sms_other_country_codes)
        .map_err(|e| ApiError::validation(ProblemCode::PhoneNotAllowed, "phone", e.to_string()))?;
    if state.store.sms_opted_out(&phone.to_string()).await? {
        return Err(ApiError::validation(
            ProblemCode::PhoneOptedOut,
            "phone",
            "this phone opted out of texts (it answered STOP); it can text START to opt back in",
        ));
    }
    sender.count_send(state, &phone).await?;
    Ok(phone)
}

/// Send Secure Payment Link: quotes, creates the link (expiring
/// `PAYMENT_LINK_TTL_SECONDS` from now), queues its SMS and logs it, all in
/// one transaction. Returns the new link.
pub async fn send(state: &AppState, staff: &Staff, request: SendLink) -> ApiResult<PaymentLink> {
    let sender = Sender::Staff(staff);
    let phone = destination(state, sender, &request.phone).await?;
    create(
        state,
        sender,
        request.client_id,
        request.vehicle_id,
        request.days,
        phone,
        None,
    )
    .await
}

/// Resend: revokes the link and sends a new one (fresh quote, fresh time to
/// live), to `phone` or the old link's number. The new number and the send
/// limit are checked before the old link is revoked, so a refusal leaves it
/// payable. Returns the new link.
pub async fn resend(
    state: &AppState,
    staff: &Staff,
    link_id: Uuid,
    phone: Option<&str>,
) -> ApiResult<PaymentLink> {
    let old = state.store.link(link_id).await?.ok_or(LINK_NOT_FOUND)?;
    let sender = Sender::Staff(staff);
    let phone = destination(state, sender, phone.unwrap_or(&old.phone)).await?;
    revoke_link(state, staff, &old).await?;
    create(
        state,
        sender,
        old.client_id,
        old.vehicle_id,
        old.quote.monitor_days,
        phone,
        None,
    )
    .await
}

/// Send Secure Payment Link from My Account: the signed-in client sends a
/// link for one of their vehicles (`404 vehicle_not_found` for any other) to
/// the payer's `phone`, within `LINK_SENDS_PER_CLIENT_PER_DAY`. Otherwise
/// exactly a staff send ([`send`]): same checks, quote, expiry, SMS and log.
pub async fn send_mine(
    state: &AppState,
    me: &ClientUser,
    vehicle_id: Uuid,
    days: MonitorDays,
    phone: &str,
) -> ApiResult<PaymentLink> {
    let sender = Sender::Client(me);
    let phone = destination(state, sender, phone).await?;
    create(state, sender, me.client_id, vehicle_id, days, phone, None).await
}

/// What a PAY text came to ([`send_by_reply`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayByReply {
    /// A fresh link is queued to the phone.
    Sent,
    /// The link sent for the last PAY can still be paid for `minutes`
    /// (rounded up): no second live link.
    LinkStillLive { minutes: i64 },
    /// Another PAY from this client is being answered right now.
    InProgress,
    /// No client has this phone.
    UnknownPhone,
    /// The client's location takes no payments online.
    NotAccepted,
    /// The client's links for today are used up (`LINK_SENDS_PER_CLIENT_PER_DAY`).
    RateLimited,
    /// No vehicle, or the credit covers what is due.
    NothingDue,
    /// The phone opted out of texts: nothing is sent to it.
    OptedOut,
}

/// PAY by text (issue 19, item 4): a fresh one-time link for the due
/// vehicle (lapsed, else the soonest due, [`Client::next_vehicle_due`];
/// across the clients with this phone) to `phone`, under the rules of every
/// send: the location takes payments, the client's daily number of links
/// (`LINK_SENDS_PER_CLIENT_PER_DAY`, the one My Account's sends count
/// against), no opted-out phone, `PAYMENT_LINK_TTL_SECONDS`, single use, and
/// a Client Log line saying it was requested by reply. While the last
/// link sent to this phone for that vehicle can still be paid, no second one
/// is sent. Refusals come back as a [`PayByReply`] for the answer text, not
/// as errors.
///
/// [`Client::next_vehicle_due`]: crate::domain::Client::next_vehicle_due
pub async fn send_by_reply(state: &AppState, phone: &PhoneNumber) -> ApiResult<PayByReply> {
    let e164 = phone.to_string();
    if state.store.sms_opted_out(&e164).await? {
        return Ok(PayByReply::OptedOut);
    }
    let mut due = None;
    for client_id in state.store.clients_by_phone(&e164).await? {
        let Some(client) = state.store.client(client_id).await? else {
            continue;
        };
        let Some(vehicle) = client.next_vehicle_due().cloned() else {
            continue;
        };
        let sooner = due
            .as_ref()
            .is_none_or(|(_, v): &(_, crate::domain::Vehicle)| {
                (vehicle.paid_through.is_some(), vehicle.paid_through)
                    < (v.paid_through.is_some(), v.paid_through)
            });
        if sooner {
            due = Some((client, vehicle));
        }
    }
    let Some((client, vehicle)) = due else {
        return Ok(if state.store.clients_by_phone(&e164).await?.is_empty() {
            PayByReply::UnknownPhone
        } else {
            PayByReply::NothingDue
        });
    };
    // One answer at a time per client: two PAY texts at once (or Twilio
    // retrying one) never make two live links.
    let lock = format!("pay-reply:{}", client.id);
    let holder = crate::services::jobs::holder_id();
    let answered = crate::services::jobs::under_lease(
        state,
        &lock,
        &holder,
        send_reply_link(state, &client, vehicle.id, phone),
    )
    .await?;
    answered.unwrap_or(Ok(PayByReply::InProgress))
}

async fn send_reply_link(
    state: &AppState,
    client: &crate::domain::Client,
    vehicle_id: Uuid,
    phone: &PhoneNumber,
) -> ApiResult<PayByReply> {
    let now = state.clock.now();
    let e164 = phone.to_string();
    let live = state
        .store
        .client_links(client.id)
        .await?
        .into_iter()
        .filter(|l| l.vehicle_id == vehicle_id && l.phone == e164)
        .filter(|l| {
            matches!(
                link_state(l.status, l.expires_at, now),
                LinkState::Payable | LinkState::InPayment
            )
        })
        .map(|l| l.expires_at)
        .max();
    if let Some(expires_at) = live {
        let seconds = (expires_at - now).num_seconds().max(1);
        return Ok(PayByReply::LinkStillLive {
            minutes: (seconds + 59) / 60,
        });
    }
    let name = format!("{} {}", client.first_name, client.last_name);
    let sender = Sender::Reply {
        client_id: client.id,
        name: &name,
    };
    if let Err(refused) = ensure_accepts_payments(
        state,
        client,
        &sender.actor(),
        "Secure payment link by reply PAY",
    )
    .await
    {
        return match refused.code() {
            ProblemCode::LocationNotAcceptingPayments => Ok(PayByReply::NotAccepted),
            _ => Err(refused),
        };
    }
    let created = match sender.count_send(state, phone).await {
        Ok(()) => {
            create(
                state,
                sender,
                client.id,
                vehicle_id,
                client.plan_days,
                phone.clone(),
                None,
            )
            .await
        }
        Err(error) => Err(error),
    };
    match created {
        Ok(_) => Ok(PayByReply::Sent),
        Err(error) => match error.code() {
            ProblemCode::RateLimited => Ok(PayByReply::RateLimited),
            ProblemCode::NothingToPay => Ok(PayByReply::NothingDue),
            ProblemCode::LocationNotAcceptingPayments => Ok(PayByReply::NotAccepted),
            _ => Err(error),
        },
    }
}

/// The signed-in client's links, newest first, each with whether it is out
/// of date.
pub async fn my_links(state: &AppState, me: &ClientUser) -> ApiResult<Vec<(PaymentLink, bool)>> {
    client_links(state, me.client_id).await
}

async fn create(
    state: &AppState,
    sender: Sender<'_>,
    client_id: Uuid,
    vehicle_id: Uuid,
    days: MonitorDays,
    phone: PhoneNumber,
    replaces: Option<Uuid>,
) -> ApiResult<PaymentLink> {
    let (client, summary) = quote_for(state, client_id, vehicle_id, days).await?;
    let actor = sender.actor();
    ensure_accepts_payments(state, &client, &actor, "Secure payment link").await?;
    ensure_something_to_charge(&summary.quote)?;
    let token = LinkToken::generate();
    let now = state.clock.now();
    let ttl = state.settings.payment_link_ttl_seconds;
    let url = format!("{}{}", state.settings.payment_link_base(), token.expose());
    // Worded for who reads it: "your payment" only on the client's phone.
    let payer = LinkPayer::of(phone.as_str(), &client.phone);
    let body = match payer {
        LinkPayer::Client => sms_body(
            client.language,
            &state.settings.company_name,
            summary.quote.total_due_cents,
            &url,
            ttl,
        ),
        LinkPayer::ThirdParty => third_party_sms_body(
            client.language,
            &state.settings.company_name,
            &client_short_name(&client.first_name, &client.last_name),
            &url,
            ttl,
        ),
    };
    let message = format!(
        "Secure payment link for {} sent to {} by {}",
        summary.quote.total_due_cents,
        phone.masked(),
        sender.by()
    );
    let link = NewLink {
        id: Uuid::new_v4(),
        client_id,
        vehicle_id,
        token_hash: token.hash(),
        phone: phone.to_string(),
        vehicle_paid_through: client.vehicle(vehicle_id).and_then(|v| v.paid_through),
        quote: summary.quote,
        sent_at: now,
        expires_at: link_expires_at(now, ttl),
        created_by: match sender {
            Sender::Staff(staff) => Some(staff.id),
            Sender::Client(_) | Sender::Reply { .. } | Sender::Payer => None,
        },
        sent_by_client: match sender {
            Sender::Staff(_) | Sender::Payer => None,
            Sender::Client(me) => Some(me.client_id),
            Sender::Reply { client_id, .. } => Some(client_id),
        },
        payer,
        sent_by: sender.sender(),
        sms_body_sealed: state.sealer.seal(&body),
        log: NewLogEntry::by(&actor, client_id, message),
        replaces,
    };
    if !state.store.create_link(&link).await? {
        return Err(ApiError::Gone {
            code: ProblemCode::LinkRevoked,
            detail: "a new link was already sent for this one; open the newest text",
        });
    }
    state.outbox_wakeup.notify_one();
    state
        .store
        .link(link.id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("new link not found")))
}

/// "Text me a new link" (WCAG 2.2.1, Timing Adjustable): the payer of an
/// **expired** link, holding its token and nothing else, asks for a new one.
/// It goes to the phone the expired link went to (never another number, so a
/// token gives no way to text anyone else), with a fresh quote and a fresh
/// `PAYMENT_LINK_TTL_SECONDS`, under the same rules as any send: the number
/// not opted out (`422 phone_opted_out`), the location accepting payments
/// (`422 location_not_accepting_payments`), single use, and at most
/// `LINK_RENEWALS_PER_PHONE_PER_DAY` per phone (`429 rate_limited`). The
/// expired link is revoked in the same transaction, so it is renewed once
/// (`410 link_revoked` after). A link that can still be paid answers `409
/// link_not_expired`; paid, revoked and unknown links their usual refusals.
/// Counted against the per-IP link limit like every payer request.
pub async fn renew(state: &AppState, ip: &str, token: &str) -> ApiResult<PaymentLink> {
    let old = find(state, ip, token, async |hash| {
        state.store.link_by_token_hash(&hash).await
    })
    .await?;
    match link_state(old.status, old.expires_at, state.clock.now()) {
        LinkState::Expired => {}
        LinkState::Payable if is_outdated(state, &old).await? => {}
        LinkState::Payable | LinkState::InPayment => {
            return Err(ApiError::Conflict {
                code: ProblemCode::LinkNotExpired,
                detail: "this link can still be paid; a new one is sent only once it has expired"
                    .into(),
            })
        }
        gone @ (LinkState::Used | LinkState::Revoked) => {
            return Err(refusal(gone).unwrap_or(LINK_NOT_FOUND))
        }
    }
    let phone = destination(state, Sender::Payer, &old.phone).await?;
    create(
        state,
        Sender::Payer,
        old.client_id,
        old.vehicle_id,
        old.quote.monitor_days,
        phone,
        Some(old.id),
    )
    .await
}

/// Revokes a link so it can no longer be paid (`409 link_used` when paid,
/// `409 payment_in_progress` while being paid; an expired or revoked link is
/// left as it is). Returns the link as it is now.
pub async fn revoke(state: &AppState, staff: &Staff, link_id: Uuid) -> ApiResult<PaymentLink> {
    let link = state.store.link(link_id).await?.ok_or(LINK_NOT_FOUND)?;
    revoke_link(state, staff, &link).await?;
    state.store.link(link.id).await?.ok_or(LINK_NOT_FOUND)
}

/// The revoke race: revokes unless paid or being paid. A payer who claimed
/// the link since it was read wins; the revoke then decides on what it is now.
async fn revoke_link(state: &AppState, staff: &Staff, link: &PaymentLink) -> ApiResult<()> {
    let mut status = link.status;
    loop {
        match link_state(status, link.expires_at, state.clock.now()) {
            LinkState::Used => {
                return Err(ApiError::Gone {
                    code: ProblemCode::LinkUsed,
                    detail: "this link was already paid",
                })
            }
            LinkState::InPayment => {
                return Err(ApiError::Conflict {
                    code: ProblemCode::PaymentInProgress,
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

/// A client's links, newest first (`404 client_not_found`), each with
/// whether it is out of date ([`link_outdated`]).
pub async fn client_links(
    state: &AppState,
    client_id: Uuid,
) -> ApiResult<Vec<(PaymentLink, bool)>> {
    let client = state
        .store
        .client(client_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    with_outdated(state, &client).await
}

/// The client's links, newest first, each with whether it is out of date
/// (decided on `client` as read: no other query).
async fn with_outdated(state: &AppState, client: &Client) -> ApiResult<Vec<(PaymentLink, bool)>> {
    let links = state.store.client_links(client.id).await?;
    let now = state.clock.now();
    Ok(links
        .into_iter()
        .map(|link| {
            let outdated = link_state(link.status, link.expires_at, now) == LinkState::Payable
                && outdated_against(&link, client);
            (link, outdated)
        })
        .collect())
}

/// [`link_outdated`] for `link`, against the client's account as read.
fn outdated_against(link: &PaymentLink, client: &Client) -> bool {
    link_outdated(
        &link.quote,
        link.vehicle_paid_through,
        &AccountNow::of_client(client, link.vehicle_id),
    )
}

/// Whether a link's quote no longer stands ([`link_outdated`]), read now
/// (one read: the client with their vehicles and account). Only meaningful
/// for a payable link: a link being paid counts its own open payment
/// against its past due.
pub async fn is_outdated(state: &AppState, link: &PaymentLink) -> ApiResult<bool> {
    let client = state
        .store
        .client(link.client_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    Ok(outdated_against(link, &client))
}

/// The refusal of a link found out of date against `client` (read just
/// before), decided on the link as it is after that read: `409
/// link_outdated` while it is still payable; its own refusal when it was
/// paid, revoked or expired meanwhile (another redeem paid it: its own
/// payment moved the account); `None` when it is not out of date, or
/// another redeem holds it now (the claim waits for that one and answers
/// what happened).
async fn outdated(
    state: &AppState,
    link: &PaymentLink,
    client: &Client,
) -> ApiResult<Option<ApiError>> {
    if !outdated_against(link, client) {
        return Ok(None);
    }
    let now = state.store.link(link.id).await?.ok_or(LINK_NOT_FOUND)?;
    Ok(
        match link_state(now.status, now.expires_at, state.clock.now()) {
            LinkState::Payable => Some(outdated_refusal()),
            LinkState::InPayment => None,
            gone @ (LinkState::Used | LinkState::Revoked | LinkState::Expired) => refusal(gone),
        },
    )
}

/// `409 link_outdated`: the link's quote no longer stands; nothing is
/// charged, and the payer asks for a new link.
pub fn outdated_refusal() -> ApiError {
    ApiError::Conflict {
        code: ProblemCode::LinkOutdated,
        detail: "the amount in this link is out of date: the account changed since it was sent (the past due was paid another way, or the vehicle's monitoring was paid); ask for a new link".into(),
    }
}

/// The link's refusals for the payer: distinct for the pay page's pop-ups
/// (`410 link_expired`, `410 link_used`, `410 link_revoked`), nothing about
/// the client. `None` while it can be paid or is being paid.
pub fn refusal(state: LinkState) -> Option<ApiError> {
    let gone = |code, detail| ApiError::Gone { code, detail };
    match state {
        LinkState::Payable | LinkState::InPayment => None,
        LinkState::Expired => Some(gone(
            ProblemCode::LinkExpired,
            "this payment link has expired; contact the support team for a new one",
        )),
        LinkState::Used => Some(gone(
            ProblemCode::LinkUsed,
            "this payment link was already used to pay",
        )),
        LinkState::Revoked => Some(gone(
            ProblemCode::LinkRevoked,
            "this payment link was cancelled; contact the support team for a new one",
        )),
    }
}

/// `read`'s answer for a link token, for a caller (`ip`) within the per-IP
/// limit: `404 link_not_found` for a token that is malformed or names no
/// link. The count and the read run at once; the limit's refusal comes first.
async fn find<T, F>(state: &AppState, ip: &str, token: &str, read: F) -> ApiResult<T>
where
    F: AsyncFnOnce(Vec<u8>) -> Result<Option<T>, StoreError>,
{
    let lookup = async {
        let token = LinkToken::parse(token).ok_or(LINK_NOT_FOUND)?;
        read(token.hash().to_vec()).await?.ok_or(LINK_NOT_FOUND)
    };
    let (limit, found) = tokio::join!(rate_limits::link_request_from(state, ip), lookup);
    limit?;
    found
}

/// What the payer sees of an opened link.
pub struct OpenedLink {
    /// The link, with the client's first name and the vehicle's description.
    pub link: PayerLink,
    /// Another redeem is charging it right now.
    pub payment_in_progress: bool,
}

/// A paid link, as its payer sees it when they open it again.
pub struct PaidLink {
    /// `410 link_used`: the link cannot be paid again.
    pub refusal: ApiError,
    /// The receipt of the payment that paid it (for whoever holds the
    /// link's token: the payer).
    pub receipt: Option<Receipt>,
}

/// Opens a link for the payer at `ip` (no login: the token is the
/// authorization) and marks it opened the first time: one read, and one
/// write the first time (the per-IP count is in memory). A paid link answers its
/// receipt ([`PaidLink`]): reopening the link after paying shows what was
/// paid, not only that it was.
pub async fn open(
    state: &AppState,
    ip: &str,
    token: &str,
) -> ApiResult<Result<OpenedLink, PaidLink>> {
    // The per-IP count is in memory (issue 16, item 8): one statement.
    let opened = find(state, ip, token, async |hash| {
        state.store.link_for_payer(&hash).await
    })
    .await?;
    let link = &opened.link;
    let now = state.clock.now();
    let current = link_state(link.status, link.expires_at, now);
    if let Some(refusal) = refusal(current) {
        if current == LinkState::Used {
            let receipt = receipts::for_paid_link(state, link).await?;
            return Ok(Err(PaidLink { refusal, receipt }));
        }
        return Err(refusal);
    }
    // Decided on what the same statement read: no other query.
    if current == LinkState::Payable
        && link_outdated(&link.quote, link.vehicle_paid_through, &opened.account_now)
    {
        return Err(outdated_refusal());
    }
    if link.status == LinkStatus::Sent {
        state.store.mark_link_opened(link.id, now).await?;
    }
    Ok(Ok(OpenedLink {
        link: opened,
        payment_in_progress: current == LinkState::InPayment,
    }))
}

/// The link a redeem request names, for a payer at `ip` within the per-IP
/// limit: read before the request's idempotency claim, which it scopes.
pub async fn link_to_redeem(state: &AppState, ip: &str, token: &str) -> ApiResult<PaymentLink> {
    find(state, ip, token, async |hash| {
        state.store.link_by_token_hash(&hash).await
    })
    .await
}

/// The Client Log's name for a payment through a secure payment link.
pub const LINK_PAYMENT: &str = "Secure payment link payment";

/// Pays `link`: exactly the amount in its snapshot, at most once, with the
/// single-use card token `payment_token`, under `charge_key`.
pub async fn redeem(
    state: &AppState,
    link: &PaymentLink,
    payment_token: String,
    accept_terms: bool,
    terms_version: Option<String>,
    charge_key: ChargeKey,
) -> ApiResult<(Payment, Option<ClientSecret>)> {
    if !accept_terms {
        return Err(ApiError::validation(
            ProblemCode::TermsNotAccepted,
            "accept_terms",
            "accept the terms to pay",
        ));
    }
    // The version accepted is recorded with the payment: it must be named,
    // and one no longer current is asked for again (neither costs an attempt).
    let Some(terms_version) = terms_version.filter(|v| !v.trim().is_empty()) else {
        return Err(ApiError::validation(
            ProblemCode::TermsVersionRequired,
            "terms_version",
            "send the version of the terms the payer accepted (get_terms)",
        ));
    };
    if !crate::domain::terms::is_current(&terms_version) {
        return Err(ApiError::Conflict {
            code: ProblemCode::TermsVersionStale,
            detail: format!(
                "the terms changed: version {} is current; read and accept it to pay",
                crate::domain::terms::CURRENT.version
            ),
        });
    }
    // A link that can no longer be paid says so (and costs no attempt).
    if let Some(refusal) = refusal(link_state(link.status, link.expires_at, state.clock.now())) {
        return Err(refusal);
    }
    // The decline lock: the attempt is counted before anything is charged.
    let (attempt, client) = tokio::join!(
        rate_limits::link_payment_attempt(state, link.id),
        state
            .store
            .client_with_vehicle(link.client_id, link.vehicle_id)
    );
    attempt?;
    let client = client?.ok_or(CLIENT_NOT_FOUND)?;
    let actor = Actor::LinkPayer {
        client_id: client.id,
        client_name: client.first_name.clone(),
        sent_to: match link.payer {
            LinkPayer::Client => None,
            LinkPayer::ThirdParty => Some(
                PhoneNumber::parse(&link.phone)
                    .map(|p| p.display())
                    .unwrap_or_else(|_| link.phone.clone()),
            ),
        },
    };
    // A link whose quote no longer stands is not charged (decided again, with
    // the vehicle's open payments, under the client's lock when the payment
    // is written: `409 link_outdated` or `409 payment_in_progress`).
    if let Some(refused) = outdated(state, link, &client).await? {
        return Err(refused);
    }
    // The location may have stopped taking payments since the link was sent.
    ensure_accepts_payments(state, &client, &actor, "Secure payment link payment").await?;
    claim(state, link.id).await?;
    payments::charge_on_session(
        state,
        Charge {
            client: &client,
            vehicle_id: link.vehicle_id,
            quote: link.quote.clone(),
            method: PaymentMethod::PaymentLink,
            source: Source::Token(payment_token),
            actor: &actor,
            charge_key,
            payment_link_id: Some(link.id),
            label: LINK_PAYMENT,
            commit: Commit::Deferred,
            save_to_customer: None,
            terms_version: Some(terms_version),
            expected_paid_through: None,
        },
    )
    .await
    .map_err(|error| match error {
        StoreError::PastDueChanged => outdated_refusal(),
        error => error.into(),
    })
}

/// The single-use rule: takes the link for this redeem with one conditional
/// state change. While another redeem holds it, waits (up to [`CLAIM_WAIT`])
/// for that one to finish, then answers what happened (`410` when it was
/// paid, `409 payment_in_progress` when it is still being paid).
pub async fn claim(state: &AppState, link_id: Uuid) -> ApiResult<()> {
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
                code: ProblemCode::PaymentInProgress,
                detail: "this link is being paid right now; check back in a moment".into(),
            });
        }
        tokio::time::sleep(CLAIM_POLL).await;
    }
}

/// How many links' expiries one transaction-per-link pass reads at once.
const EXPIRIES_PER_BATCH: i64 = 200;

/// The link expiry job (`link_expiry` in `SCHEDULER_JOBS`): records the
/// expiry of every link past its `expires_at` (`PAYMENT_LINK_TTL_SECONDS`
/// after it was sent) that was never paid or revoked, once per link, with
/// its `link.expired` webhook event (`store::LinkStore::record_link_expiries`).
/// A link is refused from `expires_at` on whether or not this ran
/// (`domain::link::link_state`); the job only announces it. Returns how many
/// expiries it recorded.
pub async fn record_expiries(state: &AppState) -> Result<u64, StoreError> {
    let now = state.clock.now();
    let mut recorded = 0;
    loop {
        let batch = state
            .store
            .record_link_expiries(now, EXPIRIES_PER_BATCH)
            .await?;
        recorded += batch;
        if batch < u64::try_from(EXPIRIES_PER_BATCH).unwrap_or(u64::MAX) {
            return Ok(recorded);
        }
    }
}
