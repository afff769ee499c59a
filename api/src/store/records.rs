//! Rows going into the store that are not domain types of their own.

use crate::domain::{Cents, Language, Line, MonitorDays, Quote};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A staff member's login record.
#[derive(Clone, Debug)]
pub struct StaffCredentials {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub password_hash: String,
}

/// A client's My Account login record.
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    pub id: Uuid,
    pub client_id: Uuid,
    pub password_hash: String,
}

#[derive(Clone, Debug)]
pub struct NewLocation {
    pub id: Uuid,
    pub name: String,
    pub accepts_payments: bool,
    pub tax_rate_ppm: i64,
    pub daily_rate: Option<Cents>,
    pub price_14: Option<Cents>,
    pub price_30: Option<Cents>,
    pub time_zone: String,
}

#[derive(Clone, Debug)]
pub struct NewClient {
    pub id: Uuid,
    pub location_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub email: String,
    pub plan_days: MonitorDays,
    pub autopay_card_id: Option<Uuid>,
    /// The language of the client's texts and My Account pages.
    pub language: Language,
}

#[derive(Clone, Debug)]
pub struct NewVehicle {
    pub id: Uuid,
    pub client_id: Uuid,
    pub description: String,
    pub plate: Option<String>,
    pub device_serial: String,
    pub paid_through: Option<NaiveDate>,
    /// The next service appointment: when it starts and where.
    pub next_appointment: Option<(DateTime<Utc>, String)>,
}

#[derive(Clone, Debug)]
pub struct NewCard {
    pub id: Uuid,
    pub client_id: Uuid,
    pub gateway_token: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i64,
    pub exp_year: i64,
    /// The gateway's fingerprint of the card number, when it gives one.
    pub fingerprint: Option<String>,
}

impl NewCard {
    /// What tells this card apart from the others on file.
    pub fn identity(&self) -> crate::domain::CardIdentity<'_> {
        crate::domain::CardIdentity {
            fingerprint: self.fingerprint.as_deref(),
            brand: &self.brand,
            last4: &self.last4,
            exp_month: self.exp_month,
            exp_year: self.exp_year,
        }
    }
}

/// The card on file a save ended with: the new one, or the client's card
/// that was already the same card ([`crate::domain::is_same_card`]).
#[derive(Clone, Debug)]
pub struct KeptCard {
    pub card: crate::domain::Card,
    /// The card was on file already; nothing was written.
    pub already_on_file: bool,
}

/// An invoice: its lines must add up to its total (checked by the database too).
#[derive(Clone, Debug)]
pub struct NewInvoice {
    pub id: Uuid,
    pub client_id: Uuid,
    pub vehicle_id: Option<Uuid>,
    pub status: String,
    pub monitor_days: Option<MonitorDays>,
    pub lines: Vec<Line>,
    pub subtotal: Cents,
    pub tax: Cents,
    pub past_due: Cents,
    pub total: Cents,
    pub created_by: String,
    pub issued_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct NewStaff {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
}

#[derive(Clone, Debug)]
pub struct NewClientLogin {
    pub id: Uuid,
    pub client_id: Uuid,
    pub email: String,
    pub password_hash: String,
}

/// A data set inserted at once (demo data).
#[derive(Clone, Debug, Default)]
pub struct SeedData {
    pub locations: Vec<NewLocation>,
    pub clients: Vec<NewClient>,
    pub vehicles: Vec<NewVehicle>,
    pub cards: Vec<NewCard>,
    pub invoices: Vec<NewInvoice>,
    pub staff: Vec<NewStaff>,
    pub client_logins: Vec<NewClientLogin>,
    pub now: DateTime<Utc>,
}

/// A payment about to be attempted: written before the gateway is called.
#[derive(Clone, Debug)]
pub struct NewPayment {
    pub id: Uuid,
    pub client_id: Uuid,
    pub vehicle_id: Uuid,
    pub payment_link_id: Option<Uuid>,
    pub method: crate::domain::PaymentMethod,
    pub card_id: Option<Uuid>,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub gateway_key: String,
    pub quote: crate::domain::Quote,
    /// What the gateway is asked, kept to repeat it ([`crate::domain::ChargeParams`]).
    pub charge_params: crate::domain::ChargeParams,
    pub initiated_by: String,
    /// The version of the usage terms the payer accepted, if the request carried one.
    pub terms_version: Option<String>,
    /// The vehicle's paid-through date the quote was made from, as the payer
    /// was shown it (Take a Payment, Make a Payment: `expected_paid_through`)
    /// or Auto Pay charges from; `Some(None)`: never paid. The period paid
    /// starts the day after it, so the guarded write refuses the payment
    /// ([`super::StoreError::PaidThroughChanged`]) when the vehicle's date is
    /// another by then, and keeps it with the payment (`payments.period`,
    /// [`crate::domain::period_key`]) for what is said about it later (the
    /// notice of a declined Auto Pay charge). `None`: not stated (a link has
    /// its own rule, [`crate::domain::link_outdated`]).
    pub expected_paid_through: Option<Option<chrono::NaiveDate>>,
    pub now: DateTime<Utc>,
}

impl NewPayment {
    /// The payment as `insert_payment` has just written it.
    pub(super) fn pending(&self) -> crate::domain::Payment {
        crate::domain::Payment {
            id: self.id,
            client_id: self.client_id,
            vehicle_id: Some(self.vehicle_id),
            invoice_id: None,
            invoice_number: None,
            payment_link_id: self.payment_link_id,
            amount_cents: self.quote.total_due_cents,
            currency: crate::domain::CURRENCY.into(),
            status: crate::domain::PaymentStatus::Pending,
            method: self.method,
            card_brand: self.card_brand.clone(),
            card_last4: self.card_last4.clone(),
            failure_code: None,
            gateway_reference: None,
            initiated_by: self.initiated_by.clone(),
            created_at: self.now,
            updated_at: self.now,
            gateway_key: self.gateway_key.clone(),
            quote: self.quote.clone(),
            charge_params: Some(self.charge_params.clone()),
            card_id: self.card_id,
            refunded_cents: Cents::ZERO,
            refundable_cents: Cents::ZERO,
            dispute_status: None,
            issued_receipt: None,
            terms_version: self.terms_version.clone(),
        }
    }
}

/// An entry to append to a client's ledger (amount signed as
/// [`crate::domain::ledger`] says: above zero the client owes more).
#[derive(Clone, Debug)]
pub struct NewLedgerEntry {
    pub client_id: Uuid,
    pub kind: crate::domain::ledger::EntryKind,
    pub amount: Cents,
    pub invoice_id: Option<Uuid>,
    pub payment_id: Option<Uuid>,
    pub vehicle_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// A comment for the client log.
#[derive(Clone, Debug)]
pub struct NewLogEntry {
    pub client_id: Uuid,
    pub author_kind: crate::domain::AuthorKind,
    pub author_name: String,
    pub message: String,
}

impl NewLogEntry {
    pub fn by(
        actor: &crate::domain::Actor,
        client_id: Uuid,
        message: impl Into<String>,
    ) -> NewLogEntry {
        NewLogEntry {
            client_id,
            author_kind: actor.kind(),
            author_name: actor.name(),
            message: message.into(),
        }
    }
}

/// A successful payment outcome to record: the gateway took the money, so
/// the payment is marked succeeded, billed, entered in the ledger, and its
/// vehicle's monitoring extended ([`super::PaymentStore::record_payment_outcome`]).
#[derive(Clone, Debug)]
pub struct PaymentOutcome {
    pub payment_id: Uuid,
    pub gateway_reference: String,
    pub card: Option<crate::gateway::CardDetails>,
    /// A card the charge kept on file (asked for, and the charge succeeded),
    /// with its Client Log line: written with the outcome, so a card is on
    /// file exactly when its payment succeeded.
    pub saved_card: Option<(NewCard, NewLogEntry)>,
    pub log: NewLogEntry,
    pub now: DateTime<Utc>,
    pub commit: Commit,
    /// The receipt the success issues.
    pub receipt: NewReceipt,
}

/// A receipt to issue with a payment's success: its id and its reference
/// (the store keeps only the reference's SHA-256). The store fills in the
/// rest from the payment, in the same transaction ([`crate::domain::Receipt`]).
#[derive(Clone, Debug)]
pub struct NewReceipt {
    pub id: Uuid,
    pub reference: crate::domain::ReceiptReference,
    /// The receipt text ([`crate::domain::sms_templates::receipt`]), sealed
    /// (it carries the reference): queued in the same transaction to the
    /// payer and, when a third party paid, to the client.
    pub sms_body_sealed: Vec<u8>,
}

/// How a payment outcome commits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Commit {
    /// Waits for the database's log flush: what is committed survives a crash.
    Durable,
    /// Does not wait for the log flush (PostgreSQL `synchronous_commit =
    /// off`). Only for a caller whose next write is a durable commit made
    /// before the outcome is reported to anyone: `idempotency::run` stores
    /// the answer that way before it sends it, and PostgreSQL writes its log
    /// in order, so that flush takes this commit with it. A database crash in
    /// between loses the recorded outcome but no money: the payment row stays
    /// open and the status sync records its outcome from the gateway's record.
    Deferred,
}

/// Where an idempotency key stands when a request arrives with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// First use (or a stale in-progress claim taken over): go ahead.
    Started,
    /// The same request already finished: answer exactly this.
    Completed { status: i64, body: String },
    /// Another request with this key is running now.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

/// A card ready to charge: its display details and the gateway's reference.
#[derive(Clone, Debug)]
pub struct ChargeableCard {
    pub card: crate::domain::Card,
    pub gateway_token: String,
}

/// What deleting a card on file did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardRemoval {
    Removed,
    NotFound,
    UsedByAutopay,
}

/// A vehicle whose Auto Pay charge is due.
#[derive(Clone, Debug)]
pub struct AutopayDue {
    pub client_id: Uuid,
    pub vehicle_id: Uuid,
    pub paid_through: Option<NaiveDate>,
}

/// A link to create, with its SMS (sealed) and its client log comment.
#[derive(Clone, Debug)]
pub struct NewLink {
    pub id: Uuid,
    pub client_id: Uuid,
    pub vehicle_id: Uuid,
    pub token_hash: Vec<u8>,
    pub phone: String,
    pub quote: crate::domain::Quote,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The vehicle's paid-through date the quote was made on (`None`: never
    /// paid); the link is out of date once it moves
    /// ([`crate::domain::link_outdated`]).
    pub vehicle_paid_through: Option<NaiveDate>,
    /// The staff member who sent it; `None` when the client did.
    pub created_by: Option<Uuid>,
    /// The client who sent it from My Account; `None` when staff did.
    pub sent_by_client: Option<Uuid>,
    /// How and by whom it was sent, for staff (issue 18); a renewal keeps
    /// its replaced link's.
    /// Whether it goes to the client's own phone ([`crate::domain::LinkPayer::of`]).
    pub payer: crate::domain::LinkPayer,
    /// `None` only for a renewal.
    pub sent_by: Option<crate::domain::LinkSender>,
    pub sms_body_sealed: Vec<u8>,
    pub log: NewLogEntry,
    /// The expired link this one renews ("Text me a new link"): revoked in
    /// the same transaction, only if it is still `sent` or `opened`, so an
    /// expired link is renewed at most once. The new link keeps its sender
    /// (`created_by` / `sent_by_client` are then taken from it).
    pub replaces: Option<Uuid>,
}

/// An SMS claimed for sending.
#[derive(Clone, Debug)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub to_phone: String,
    pub body_sealed: Vec<u8>,
    pub attempts: i64,
    /// When the payment link the message carries expires (`None`: it
    /// carries none). A message is never sent after it.
    pub link_expires_at: Option<DateTime<Utc>>,
    /// The link it carries was revoked (or replaced by Resend) or paid: the
    /// message is not sent.
    pub link_closed: bool,
}

/// How a send attempt ended.
#[derive(Clone, Debug)]
pub enum OutboxResult {
    /// The provider took it; the sealed body is wiped.
    Accepted {
        provider_id: String,
        status: crate::sms::SmsStatus,
    },
    /// Try again at `next_attempt_at`.
    Retry {
        error: String,
        next_attempt_at: DateTime<Utc>,
    },
    /// Give up: the sealed body is wiped, and why is kept for staff.
    Failed {
        error: String,
        failure: crate::domain::SmsFailure,
    },
}

/// Figures for `/metrics`.
#[derive(Clone, Debug, Default)]
pub struct BusinessCounts {
    pub payments_by_status: Vec<(String, i64)>,
    pub links_by_status: Vec<(String, i64)>,
    pub outbox_depth: i64,
    /// Failed SMS by stored failure reason (`other` for rows without one).
    pub sms_failed_by_reason: Vec<(String, i64)>,
    pub refunds_by_status: Vec<(String, i64)>,
    /// Payments with a dispute, by its status (`open`, `won`, `lost`).
    pub disputes_by_status: Vec<(String, i64)>,
    /// When each scheduled job last succeeded, by job name.
    pub job_last_success: Vec<(String, DateTime<Utc>)>,
}

/// A vehicle's period paid with the client's credit: its quote (fully covered
/// by credit), who applies it, and the words of the Client Log line.
#[derive(Clone, Debug)]
pub struct CreditApplication {
    pub client_id: Uuid,
    pub vehicle_id: Uuid,
    /// The quote the credit pays: `covered_by_credit`, total zero.
    pub quote: Quote,
    /// "Sam Supervisor (staff)", "System": the invoice's author ([`crate::domain::Actor::by_words`]).
    pub created_by: String,
    /// The Client Log line, without the invoice number: "Credit applied:
    /// $53.04 for 14 days"; the store appends ", invoice #N (by <author>)".
    pub log: super::NewLogEntry,
    /// Auto Pay's guard: apply only while the vehicle is paid through this
    /// day or earlier (still due), so two runs at once apply one period.
    pub only_if_due_by: Option<NaiveDate>,
    pub now: DateTime<Utc>,
}

/// What applying a credit wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedCredit {
    pub invoice_id: Uuid,
    pub invoice_number: i64,
    /// The vehicle's new paid-through date.
    pub paid_through: NaiveDate,
}
