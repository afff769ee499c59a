//! Payments: the state machine, and the rules that tie a payment to its
//! invoice and its monitoring period.

use super::{Cents, LineKind, MonitorDays, Quote};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a payment stands.
///
/// `pending → succeeded | failed`, and `pending → unknown → succeeded | failed`
/// when the gateway did not answer and the outcome is learnt by looking the
/// charge up later. `held_for_review` (from `pending` or `unknown`): the
/// gateway reported a success for another amount or currency than the
/// payment's (see [`capture_mismatch`]); or (from `failed`) a success after
/// we recorded a failure. Nothing was applied to the account and a person
/// decides. `succeeded` and `held_for_review` are final for the payment
/// flow; `failed` is, but for that late success.
///
/// `requires_action` (from `pending`): the bank asks the payer, who is on our
/// page, to authenticate (3-D Secure). Open like `pending`: it reserves the
/// past due it collects and holds its link; the payer's browser completes
/// the challenge, then the confirm endpoint records what the gateway says
/// (`succeeded`, `failed`, or `held_for_review`); one left waiting is
/// cancelled at the gateway and `failed` by the status sync
/// (`AUTHENTICATION_TIMEOUT_SECONDS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Pending,
    Succeeded,
    Failed,
    Unknown,
    HeldForReview,
    RequiresAction,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Unknown => "unknown",
            PaymentStatus::HeldForReview => "held_for_review",
            PaymentStatus::RequiresAction => "requires_action",
        }
    }

    /// Every status, in the order of the state machine's description.
    pub const ALL: [PaymentStatus; 6] = [
        PaymentStatus::Pending,
        PaymentStatus::Succeeded,
        PaymentStatus::Failed,
        PaymentStatus::Unknown,
        PaymentStatus::HeldForReview,
        PaymentStatus::RequiresAction,
    ];

    pub fn parse(status: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == status)
    }

    /// Whether the state machine allows `self → next`.
    pub fn can_become(self, next: PaymentStatus) -> bool {
        use PaymentStatus::*;
        match self {
            Pending => matches!(
                next,
                Succeeded | Failed | Unknown | HeldForReview | RequiresAction
            ),
            Unknown => matches!(next, Succeeded | Failed | HeldForReview),
            RequiresAction => matches!(next, Succeeded | Failed | HeldForReview),
            // The gateway reported a success after we recorded a failure.
            Failed => next == HeldForReview,
            Succeeded | HeldForReview => false,
        }
    }

    /// Still waiting for the gateway's final word.
    pub fn is_open(self) -> bool {
        self.can_become(PaymentStatus::Succeeded)
    }

    /// [`PaymentStatus::is_open`] in SQL: the open statuses as a list for
    /// `status in …`, the one spelling every statement uses (a unit test
    /// holds it to `is_open`). In a `concat!` of a SQL constant, use
    /// [`open_payment_statuses_sql!`](crate::open_payment_statuses_sql).
    pub const OPEN_STATUSES_SQL: &'static str = crate::open_payment_statuses_sql!();
}

/// The open payment statuses as a SQL list, `('pending', 'unknown',
/// 'requires_action')`: [`PaymentStatus::OPEN_STATUSES_SQL`] as a literal,
/// for `concat!` in SQL constants.
#[macro_export]
macro_rules! open_payment_statuses_sql {
    () => {
        "('pending', 'unknown', 'requires_action')"
    };
}

/// How a period of a vehicle is named where a payment or a notice is keyed
/// by it: the paid-through date it extends (`YYYY-MM-DD`), or `unpaid` for a
/// vehicle never paid. Auto Pay's charge key, its notices and its lock use
/// it; a payment keeps it (`payments.period`).
pub fn period_key(paid_through: Option<NaiveDate>) -> String {
    paid_through.map_or_else(|| "unpaid".to_owned(), |d| d.to_string())
}

/// What a payment asked the gateway (besides its amount and idempotency
/// key), kept so the status sync can repeat the very same request with the
/// same key: Stripe's documented way to learn the outcome of a request whose
/// answer was lost, while it keeps the key (24 hours). A changed parameter
/// would be refused by Stripe as a reused key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeParams {
    /// `true`: `source` is a single-use token from the browser's
    /// tokenization; `false`: a card saved at the gateway. Never card data.
    pub single_use: bool,
    /// The gateway's reference of what is charged (`pm_…`, `cus_…:pm_…`).
    pub source: String,
    pub description: String,
    /// A merchant-initiated charge (staff, Auto Pay).
    pub off_session: bool,
    /// Keep the card, for this gateway customer, for later merchant-initiated
    /// charges, if (and only if) the charge succeeds (Stripe:
    /// `setup_future_usage=off_session`). A declined card is never kept.
    #[serde(default)]
    pub save_to_customer: Option<String>,
}

/// `source` is a payment token: never in a log line (`{:?}` shows it redacted).
impl std::fmt::Debug for ChargeParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChargeParams")
            .field("single_use", &self.single_use)
            .field("source", &"[redacted]")
            .field("description", &self.description)
            .field("off_session", &self.off_session)
            .field("save_to_customer", &self.save_to_customer)
            .finish()
    }
}

/// What the gateway reports it captured for a successful charge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Captured {
    /// In the currency's minor unit (cents for USD).
    pub amount: Cents,
    /// ISO 4217, upper case (`USD`).
    pub currency: String,
}

/// Why a success the gateway reported must not settle a payment of
/// `expected` in `currency`: `amount_unknown` (the gateway named no amount or
/// no currency; Stripe's adapter reads `amount_received`, else `amount`), `amount_mismatch` or `currency_mismatch`. `None` when it
/// matches. A mismatch is held for review and never extends paid-through
/// (security issue, item 9): the account is credited with what was asked,
/// so it must be exactly what was taken.
pub fn capture_mismatch(
    expected: Cents,
    currency: &str,
    captured: Option<&Captured>,
) -> Option<&'static str> {
    match captured {
        None => Some("amount_unknown"),
        Some(c) if !c.currency.eq_ignore_ascii_case(currency) => Some("currency_mismatch"),
        Some(c) if c.amount != expected => Some("amount_mismatch"),
        Some(_) => None,
    }
}

/// How a payment was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Staff charged a saved card (Take a Payment), or the client chose one.
    CardOnFile,
    /// The client typed a new card in My Account.
    NewCard,
    /// Paid through a secure payment link.
    PaymentLink,
    /// Charged by the Auto Pay run.
    Autopay,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::CardOnFile => "card_on_file",
            PaymentMethod::NewCard => "new_card",
            PaymentMethod::PaymentLink => "payment_link",
            PaymentMethod::Autopay => "autopay",
        }
    }

    pub fn parse(method: &str) -> Option<PaymentMethod> {
        [
            PaymentMethod::CardOnFile,
            PaymentMethod::NewCard,
            PaymentMethod::PaymentLink,
            PaymentMethod::Autopay,
        ]
        .into_iter()
        .find(|m| m.as_str() == method)
    }
}

/// The key a payment is charged under at the gateway: the gateway's
/// idempotency key for that charge, and the `gateway_key` column of its
/// payment row. One key, one charge: however often a request is retried or
/// repeated by the status sync, the gateway charges at most once per key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChargeKey(String);

impl ChargeKey {
    /// The key of a request, derived from who asked and their
    /// `Idempotency-Key`: a retry of the same request, even after a crash,
    /// can only ever reach the same charge.
    pub fn for_request(principal: &str, idempotency_key: &str) -> ChargeKey {
        let digest = Sha256::digest(format!("{principal}\n{idempotency_key}").as_bytes());
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        ChargeKey(format!("pay_{hex}"))
    }

    /// The key of one Auto Pay charge: one per client, vehicle, period (the
    /// paid-through date it extends, or `unpaid`) and card. A declined card is
    /// not charged again for the period; a new card is.
    pub fn for_autopay(
        client_id: Uuid,
        vehicle_id: Uuid,
        period: &str,
        card_id: Uuid,
    ) -> ChargeKey {
        ChargeKey::for_request(
            "autopay",
            &format!("autopay:{client_id}:{vehicle_id}:{period}:{card_id}"),
        )
    }

    /// A key as it was recorded (a payment row, a gateway's event).
    pub fn recorded(key: impl Into<String>) -> ChargeKey {
        ChargeKey(key.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ChargeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The last day a vehicle is paid for after paying `days` more: the period
/// starts the day after the current one ends, or today if it has lapsed.
pub fn next_paid_through(
    current: Option<NaiveDate>,
    today: NaiveDate,
    days: MonitorDays,
) -> NaiveDate {
    let start = match current {
        Some(end) if end >= today => end + Duration::days(1),
        _ => today,
    };
    start + Duration::days(days.days() - 1)
}

/// The charges of an invoice built from a quote. A payment's invoice shows
/// the carried past due balance it settles and the credit it applies; an
/// invoice added by staff bills only the new period (`carry_balance = false`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceAmounts {
    pub lines: Vec<super::Line>,
    pub subtotal: Cents,
    pub tax: Cents,
    /// The balance carried forward: the past due collected minus the credit
    /// applied (below zero when a credit is applied).
    pub past_due: Cents,
    pub total: Cents,
}

impl InvoiceAmounts {
    pub fn from_quote(quote: &Quote, carry_balance: bool) -> InvoiceAmounts {
        let lines: Vec<_> = quote
            .lines
            .iter()
            .filter(|line| {
                carry_balance || !matches!(line.kind, LineKind::PastDue | LineKind::Credit)
            })
            .cloned()
            .collect();
        let past_due = if carry_balance {
            quote.past_due_cents - quote.credit_cents
        } else {
            Cents::ZERO
        };
        let total = lines.iter().map(|line| line.amount_cents).sum();
        InvoiceAmounts {
            lines,
            subtotal: quote.subtotal_cents,
            tax: quote.tax_cents,
            past_due,
            total,
        }
    }

    /// The invoice's new charges, which its ledger charge records: its total
    /// minus the balance it carries forward (that was charged before).
    pub fn charges(&self) -> Cents {
        super::ledger::invoice_charges(self.total, self.past_due)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sql_list_of_open_statuses_is_is_open() {
        let listed: Vec<&str> = PaymentStatus::OPEN_STATUSES_SQL
            .trim_start_matches('(')
            .trim_end_matches(')')
            .split(", ")
            .map(|s| s.trim_matches('\''))
            .collect();
        for status in PaymentStatus::ALL {
            assert_eq!(
                listed.contains(&status.as_str()),
                status.is_open(),
                "{status:?} in {}",
                PaymentStatus::OPEN_STATUSES_SQL
            );
        }
        assert_eq!(
            listed.len(),
            PaymentStatus::ALL.iter().filter(|s| s.is_open()).count()
        );
    }

    #[test]
    fn a_period_is_named_by_its_paid_through_date_or_unpaid() {
        assert_eq!(
            period_key(NaiveDate::from_ymd_opt(2026, 12, 11)),
            "2026-12-11"
        );
        assert_eq!(period_key(None), "unpaid");
    }

    use super::*;
    use crate::domain::{PricePlan, TaxRate};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_payment_state_machine_allows_only_its_arrows() {
        use PaymentStatus::*;
        let all = [
            Pending,
            Succeeded,
            Failed,
            Unknown,
            HeldForReview,
            RequiresAction,
        ];
        let allowed = [
            (Pending, Succeeded),
            (Pending, Failed),
            (Pending, Unknown),
            (Pending, HeldForReview),
            (Pending, RequiresAction),
            (RequiresAction, Succeeded),
            (RequiresAction, Failed),
            (RequiresAction, HeldForReview),
            (Unknown, Succeeded),
            (Unknown, Failed),
            (Unknown, HeldForReview),
            (Failed, HeldForReview),
        ];
        for from in all {
            for to in all {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
        assert!(
            Pending.is_open() && Unknown.is_open() && !Succeeded.is_open() && !Failed.is_open()
        );
        assert!(
            RequiresAction.is_open(),
            "a payment waiting for the payer's bank reserves its past due and holds its link"
        );
        assert!(
            !HeldForReview.is_open(),
            "a held payment reserves nothing and is not synced"
        );
        for status in all {
            assert_eq!(PaymentStatus::parse(status.as_str()), Some(status));
        }
    }

    #[test]
    fn only_a_capture_of_exactly_the_amount_and_currency_settles() {
        let usd = |cents| Captured {
            amount: Cents(cents),
            currency: "USD".into(),
        };
        assert_eq!(
            capture_mismatch(Cents(17_649), "USD", Some(&usd(17_649))),
            None
        );
        // Stripe writes currencies in lower case.
        let lower = Captured {
            currency: "usd".into(),
            ..usd(17_649)
        };
        assert_eq!(capture_mismatch(Cents(17_649), "USD", Some(&lower)), None);
        for (captured, reason) in [
            (Some(usd(100)), "amount_mismatch"),
            (Some(usd(17_650)), "amount_mismatch"),
            (Some(usd(17_648)), "amount_mismatch"),
            (
                Some(Captured {
                    currency: "EUR".into(),
                    ..usd(17_649)
                }),
                "currency_mismatch",
            ),
            (None, "amount_unknown"),
        ] {
            assert_eq!(
                capture_mismatch(Cents(17_649), "USD", captured.as_ref()),
                Some(reason)
            );
        }
    }

    #[test]
    fn charge_keys_are_stable_per_caller_and_key() {
        let key = ChargeKey::for_request;
        assert_eq!(key("staff:1", "k"), key("staff:1", "k"));
        assert_ne!(key("staff:1", "k"), key("staff:2", "k"));
        assert_ne!(key("staff:1", "k"), key("staff:1", "k2"));
        assert_eq!(key("a", "b").as_str().len(), 36);
    }

    #[test]
    fn a_paid_period_extends_a_current_one_or_starts_today() {
        let today = date(2026, 11, 25);
        assert_eq!(
            next_paid_through(Some(date(2026, 11, 30)), today, MonitorDays::Fourteen),
            date(2026, 12, 14)
        );
        assert_eq!(
            next_paid_through(Some(date(2026, 11, 25)), today, MonitorDays::Thirty),
            date(2026, 12, 25)
        );
        assert_eq!(
            next_paid_through(Some(date(2026, 11, 1)), today, MonitorDays::Fourteen),
            date(2026, 12, 8)
        );
        assert_eq!(
            next_paid_through(None, today, MonitorDays::Fourteen),
            date(2026, 12, 8)
        );
    }

    #[test]
    fn invoices_from_quotes_carry_past_due_only_when_asked() {
        let plan = PricePlan {
            daily_rate: Some(Cents(350)),
            price_14: None,
            price_30: None,
        };
        let quote = Quote::compute(
            &plan,
            TaxRate::from_ppm(82_500).unwrap(),
            MonitorDays::Fourteen,
            Cents(12_345),
            Cents::ZERO,
        )
        .unwrap();
        let paid = InvoiceAmounts::from_quote(&quote, true);
        assert_eq!(
            (paid.total, paid.past_due, paid.lines.len()),
            (Cents(17_649), Cents(12_345), 3)
        );
        let added = InvoiceAmounts::from_quote(&quote, false);
        assert_eq!(
            (added.total, added.past_due, added.lines.len()),
            (Cents(5_304), Cents::ZERO, 2)
        );
        for amounts in [paid, added] {
            assert_eq!(
                amounts.subtotal + amounts.tax + amounts.past_due,
                amounts.total
            );
            assert_eq!(amounts.charges(), Cents(5_304));
        }
    }

    #[test]
    fn a_payments_invoice_carries_the_credit_it_applies_as_a_negative_balance() {
        let plan = PricePlan {
            daily_rate: Some(Cents(350)),
            price_14: None,
            price_30: None,
        };
        let quote = Quote::compute(
            &plan,
            TaxRate::from_ppm(82_500).unwrap(),
            MonitorDays::Fourteen,
            Cents::ZERO,
            Cents(1_000),
        )
        .unwrap();
        let paid = InvoiceAmounts::from_quote(&quote, true);
        assert_eq!(
            (paid.total, paid.past_due, paid.lines.len()),
            (Cents(4_304), Cents(-1_000), 4)
        );
        assert_eq!(paid.subtotal + paid.tax + paid.past_due, paid.total);
        assert_eq!(paid.charges(), Cents(5_304));
        let added = InvoiceAmounts::from_quote(&quote, false);
        assert_eq!((added.total, added.lines.len()), (Cents(5_304), 2));
    }
}
