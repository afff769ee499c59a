//! Invoices, payments as the API shows them, Client Log entries, and who
//! acted (staff, a client, or the system).

use super::{Cents, Line, PaymentMethod, PaymentStatus};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A bill: open until paid; its lines always add up to its total.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Invoice {
    pub id: Uuid,
    /// The receipt number people quote.
    #[schema(example = 1002)]
    pub number: i64,
    pub client_id: Uuid,
    pub vehicle_id: Option<Uuid>,
    #[schema(example = "paid")]
    pub status: String,
    #[schema(value_type = Option<crate::domain::MonitorDays>, example = 14)]
    pub monitor_days: Option<i64>,
    pub lines: Vec<Line>,
    #[schema(value_type = crate::domain::Cents)]
    pub subtotal_cents: Cents,
    #[schema(value_type = crate::domain::Cents)]
    pub tax_cents: Cents,
    /// Balance carried forward from earlier invoices (not a new charge).
    #[schema(value_type = crate::domain::Cents)]
    pub past_due_cents: Cents,
    #[schema(value_type = crate::domain::Cents, example = 17649)]
    pub total_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
    pub issued_at: DateTime<Utc>,
    pub created_by: String,
    /// What was given back of the payment that paid this invoice (its
    /// refunds that succeeded).
    #[schema(value_type = crate::domain::Cents, example = 0)]
    pub refunded_cents: Cents,
    /// The refunds of the payment that paid this invoice, oldest first
    /// (failed ones left out).
    pub refunds: Vec<InvoiceRefund>,
}

/// A refund as an invoice shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InvoiceRefund {
    pub id: Uuid,
    #[schema(value_type = crate::domain::Cents, example = 5000)]
    pub amount_cents: Cents,
    pub status: super::refund::RefundStatus,
    /// `card`: given back to the card; `credit`: kept as the client's credit.
    pub destination: super::refund::RefundDestination,
    /// `credit`: the client's credit paid out to this payment's card.
    pub source: super::refund::RefundSource,
    pub created_at: DateTime<Utc>,
}

/// A payment attempt and where it stands.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Payment {
    pub id: Uuid,
    pub client_id: Uuid,
    pub vehicle_id: Option<Uuid>,
    pub invoice_id: Option<Uuid>,
    pub invoice_number: Option<i64>,
    pub payment_link_id: Option<Uuid>,
    #[schema(value_type = crate::domain::Cents, example = 17649)]
    pub amount_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
    pub status: PaymentStatus,
    pub method: PaymentMethod,
    #[schema(example = "visa")]
    pub card_brand: Option<String>,
    #[schema(example = "4242")]
    pub card_last4: Option<String>,
    /// Why it failed (`card_declined`, `insufficient_funds`, …).
    pub failure_code: Option<String>,
    pub gateway_reference: Option<String>,
    pub initiated_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What its refunds have given back (refunds that succeeded).
    #[schema(value_type = crate::domain::Cents, example = 0)]
    pub refunded_cents: Cents,
    /// What is left to refund: the amount less every refund that holds
    /// money (succeeded, pending or unknown); zero unless `succeeded`.
    #[schema(value_type = crate::domain::Cents, example = 17649)]
    pub refundable_cents: Cents,
    /// Where a dispute (chargeback) by the cardholder's bank stands, if any.
    pub dispute_status: Option<super::refund::DisputeStatus>,
    /// Its [`ChargeKey`](super::ChargeKey) as the store records it (the
    /// `gateway_key` column); read it through [`Payment::charge_key`].
    #[serde(skip)]
    pub gateway_key: String,
    #[serde(skip)]
    pub quote: super::Quote,
    /// What the gateway was asked (`None` for payments from before it was kept).
    #[serde(skip)]
    pub charge_params: Option<super::ChargeParams>,
    /// The card on file charged, or kept by this payment.
    #[serde(skip)]
    pub card_id: Option<Uuid>,
    /// The version of the usage terms (`get_terms`) the payer accepted with
    /// this payment; absent when the payment carried none (staff, Auto Pay,
    /// My Account payments, and payments from before it was recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "2026-12-01")]
    pub terms_version: Option<String>,
    /// The receipt this payment's success has just issued, with its
    /// reference: only on the payment as the call that recorded the success
    /// returns it (the reference is stored hashed), for the answer to the
    /// payer without reading the receipt back.
    #[serde(skip)]
    pub issued_receipt: Option<Box<super::IssuedReceipt>>,
}

impl Payment {
    /// The key this payment is charged under at the gateway.
    pub fn charge_key(&self) -> super::ChargeKey {
        super::ChargeKey::recorded(self.gateway_key.clone())
    }
}

/// A comment in a client's log.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LogEntry {
    pub id: Uuid,
    pub author_kind: AuthorKind,
    #[schema(example = "Alex Agent")]
    pub author_name: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

/// Who wrote a Client Log line: `staff`, the `client` (signed in, or paying
/// a link sent to their own phone), a partner system's `api_key`, the
/// `system`, or a `payer`: someone paying a link that was sent to a phone
/// other than the client's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    /// A PLUS Web user.
    Staff,
    /// The client, signed in to My Account or paying their own link.
    Client,
    /// A partner system, by its API key.
    ApiKey,
    /// The product itself (jobs, webhooks from the gateway).
    System,
    /// Someone paying a link sent to a phone other than the client's.
    Payer,
}

impl AuthorKind {
    /// Every kind, in the order above.
    pub const ALL: [AuthorKind; 5] = [
        AuthorKind::Staff,
        AuthorKind::Client,
        AuthorKind::ApiKey,
        AuthorKind::System,
        AuthorKind::Payer,
    ];

    /// The stored code (the `client_log.author_kind` column).
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorKind::Staff => "staff",
            AuthorKind::Client => "client",
            AuthorKind::ApiKey => "api_key",
            AuthorKind::System => "system",
            AuthorKind::Payer => "payer",
        }
    }

    /// The kind stored as `kind`; `None` for a code this release does not know.
    pub fn parse(kind: &str) -> Option<AuthorKind> {
        AuthorKind::ALL.into_iter().find(|k| k.as_str() == kind)
    }
}

/// Who did something: written into the client log and the payment record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    Staff {
        id: Uuid,
        name: String,
    },
    Client {
        id: Uuid,
        name: String,
    },
    /// A partner system, through the API key named `name` (its label in
    /// the Client Log: `API key “Court system”`).
    ApiKey {
        id: Uuid,
        name: String,
    },
    /// The Auto Pay run, the status sync, a gateway webhook.
    System,
    /// Whoever pays a payment link, with nothing but its token: the client
    /// (`sent_to` `None`: the link went to the client's own phone, named
    /// `client_name`), or someone paying for them (`sent_to`: the phone the
    /// link went to, as people write it). Issue 18: each is worded for who
    /// it is, never "Dana (payment link) (client)" for a stranger.
    LinkPayer {
        client_id: Uuid,
        client_name: String,
        sent_to: Option<String>,
    },
}

impl Actor {
    pub fn kind(&self) -> AuthorKind {
        match self {
            Actor::Staff { .. } => AuthorKind::Staff,
            Actor::Client { .. } => AuthorKind::Client,
            Actor::ApiKey { .. } => AuthorKind::ApiKey,
            Actor::System => AuthorKind::System,
            Actor::LinkPayer { sent_to: None, .. } => AuthorKind::Client,
            // Neither the client nor the company: someone the link was sent
            // to, paying for the client.
            Actor::LinkPayer {
                sent_to: Some(_), ..
            } => AuthorKind::Payer,
        }
    }

    pub fn name(&self) -> String {
        match self {
            Actor::Staff { name, .. } | Actor::Client { name, .. } | Actor::ApiKey { name, .. } => {
                name.clone()
            }
            Actor::System => "System".to_owned(),
            Actor::LinkPayer {
                client_name,
                sent_to: None,
                ..
            } => format!("{client_name} (payment link)"),
            Actor::LinkPayer {
                sent_to: Some(phone),
                ..
            } => format!("Payer at {phone}"),
        }
    }

    /// Who did it, in words for the Client Log's sentences and a record's
    /// `created_by` ("… by Alex Agent (staff)", "… by Dana (payment link)",
    /// "… by the payer at (737) 555-0199", "… by API key “Billing system”"
    /// (its name says what it is), "… by System"). Never the stored code of
    /// [`Actor::kind`] (`api_key`).
    pub fn by_words(&self) -> String {
        match self {
            Actor::LinkPayer { sent_to: None, .. } | Actor::ApiKey { .. } | Actor::System => {
                self.name()
            }
            Actor::LinkPayer {
                sent_to: Some(phone),
                ..
            } => format!("the payer at {phone}"),
            Actor::Staff { .. } | Actor::Client { .. } => {
                format!("{} ({})", self.name(), self.kind().as_str())
            }
        }
    }

    /// A payment's `initiated_by`, as history shows it: [`Actor::by_words`],
    /// except that a payment through a link sent to someone else's phone
    /// reads "Paid via link sent to (737) 555-0199".
    pub fn initiated_by(&self) -> String {
        match self {
            Actor::LinkPayer {
                sent_to: Some(phone),
                ..
            } => format!("Paid via link sent to {phone}"),
            _ => self.by_words(),
        }
    }

    /// `staff:<id>`: scopes idempotency keys and labels payments.
    pub fn principal(&self) -> String {
        match self {
            Actor::Staff { id, .. } => format!("staff:{id}"),
            Actor::Client { id, .. } => format!("client:{id}"),
            Actor::ApiKey { id, .. } => format!("api_key:{id}"),
            Actor::System => "system".into(),
            Actor::LinkPayer { client_id, .. } => format!("client:{client_id}"),
        }
    }
}
