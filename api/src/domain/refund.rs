//! Refunds: how much of a payment can still be given back, what a refund
//! asked for really refunds, and a refund made outside our API (in Stripe's
//! Dashboard) that a webhook reveals.
//!
//! Pure rules, no I/O. The amounts are cents of the payment's currency.
//! Sources: issue 17 ("the sum of refunds never exceeds the payment"; no
//! amount = all that is left to refund) and Stripe's `charge.refunded` event,
//! whose `amount_refunded` is the running total of the charge's refunds.

use super::money::Cents;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a refund stands.
///
/// `pending → succeeded | failed | unknown`, `unknown → succeeded | failed |
/// pending`: the row is written `pending` before the gateway is called (and
/// stays `pending` while the gateway has accepted it but not finished);
/// `unknown` when the gateway's answer was lost, until the status sync or a
/// webhook learns it. `succeeded → failed` too: a gateway can report later
/// that a refund it accepted did not reach the card (Stripe: a refund's
/// `failed` after `succeeded`), and the ledger entry is then taken back.
/// `failed` is final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    Pending,
    Succeeded,
    Failed,
    Unknown,
}

impl RefundStatus {
    pub const ALL: [RefundStatus; 4] = [
        RefundStatus::Pending,
        RefundStatus::Succeeded,
        RefundStatus::Failed,
        RefundStatus::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Failed => "failed",
            RefundStatus::Unknown => "unknown",
        }
    }

    pub fn parse(status: &str) -> Option<RefundStatus> {
        RefundStatus::ALL.into_iter().find(|s| s.as_str() == status)
    }

    /// Whether the state machine allows `self → next`.
    pub fn can_become(self, next: RefundStatus) -> bool {
        use RefundStatus::*;
        match self {
            Pending => matches!(next, Succeeded | Failed | Unknown),
            Unknown => matches!(next, Succeeded | Failed | Pending),
            Succeeded => next == Failed,
            Failed => false,
        }
    }

    /// Still waiting for the gateway's final word (the status sync asks).
    pub fn is_open(self) -> bool {
        matches!(self, RefundStatus::Pending | RefundStatus::Unknown)
    }

    /// Whether the refund holds its money: it is given back, or may be.
    /// The refunds that hold money never add up to more than the payment.
    pub fn holds_money(self) -> bool {
        self != RefundStatus::Failed
    }
}

/// A refund of a payment, as the API shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Refund {
    pub id: Uuid,
    pub payment_id: Uuid,
    pub client_id: Uuid,
    #[schema(value_type = crate::domain::Cents, example = 5000)]
    pub amount_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
    /// Why staff gave it back (for a refund made in the gateway's dashboard:
    /// "Refunded in Stripe").
    #[schema(example = "Device returned early")]
    pub reason: String,
    pub status: RefundStatus,
    /// The gateway's reason when it failed (`refund_failed`, …).
    pub failure_code: Option<String>,
    pub origin: RefundOrigin,
    /// Where the money went: back to the card (`card`), or kept with us as
    /// the client's credit (`credit`).
    pub destination: RefundDestination,
    /// What was given back: part of the payment (`payment`), or the
    /// client's credit paid out to the payment's card (`credit`).
    pub source: RefundSource,
    /// Who asked: "Sam Supervisor (staff)", or the gateway.
    pub requested_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// The gateway's id of the refund, once known (`re_…`).
    #[serde(skip)]
    pub gateway_reference: Option<String>,
    /// Its gateway idempotency key.
    #[serde(skip)]
    pub refund_key: String,
    /// The refunded payment's gateway reference (what the gateway refunds).
    #[serde(skip)]
    pub charge_reference: Option<String>,
}

/// Who made a refund: staff through our API, or someone in the gateway's
/// own dashboard (we learn of it by webhook).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefundOrigin {
    Api,
    Gateway,
}

impl RefundOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundOrigin::Api => "api",
            RefundOrigin::Gateway => "gateway",
        }
    }

    pub fn parse(origin: &str) -> Option<RefundOrigin> {
        [RefundOrigin::Api, RefundOrigin::Gateway]
            .into_iter()
            .find(|o| o.as_str() == origin)
    }
}

/// Where a refund's money goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefundDestination {
    /// Back to the card the payment was made with, through the gateway.
    #[default]
    Card,
    /// Kept with us as the client's credit: no gateway call; a `credit`
    /// ledger entry that the next quote applies ([`super::quote::credit_applied`]).
    Credit,
}

impl RefundDestination {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundDestination::Card => "card",
            RefundDestination::Credit => "credit",
        }
    }

    pub fn parse(destination: &str) -> Option<RefundDestination> {
        [RefundDestination::Card, RefundDestination::Credit]
            .into_iter()
            .find(|d| d.as_str() == destination)
    }
}

/// What a refund gives back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefundSource {
    /// Part or all of the payment it names (`refund_payment`).
    Payment,
    /// The client's credit, paid out to the card of a recent payment
    /// (`refund_credit`, [`credit_refund`]).
    Credit,
}

impl RefundSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundSource::Payment => "payment",
            RefundSource::Credit => "credit",
        }
    }

    pub fn parse(source: &str) -> Option<RefundSource> {
        [RefundSource::Payment, RefundSource::Credit]
            .into_iter()
            .find(|s| s.as_str() == source)
    }
}

/// How far back a credit refund looks for a payment whose card takes it:
/// 180 days, the window within which card networks let a refund reach the
/// card of a charge (after it, Stripe's refund may fail or arrive as a
/// cheque-like credit; Adyen and Square refuse refunds of older charges).
pub const CREDIT_REFUND_WINDOW_DAYS: i64 = 180;

/// A payment a credit could be refunded to: one that succeeded within
/// [`CREDIT_REFUND_WINDOW_DAYS`], through the gateway, with no open or lost
/// dispute, and what is left to refund of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreditRefundCandidate {
    pub payment_id: Uuid,
    pub refundable: Cents,
}

/// Why a credit cannot be refunded as asked. Each maps to one problem code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreditRefundError {
    /// Zero or a negative amount was asked (`validation_failed`).
    #[error("a refund is for a positive amount")]
    NotPositive,
    /// More than the client's credit, or no credit at all
    /// (`credit_insufficient`).
    #[error("the client's credit is {credit} cents")]
    ExceedsCredit { credit: Cents },
    /// No recent payment can take the whole amount back to its card
    /// (`credit_not_refundable`); `largest` is the most one of them can take
    /// (zero when there is none).
    #[error("no recent payment can take it back to its card (at most {largest} cents)")]
    NoPayment { largest: Cents },
}

/// Which payment's card a credit refund goes to, and how much it gives
/// back: `asked`, or all of the client's `credit` when no amount is given;
/// never more than the credit, and in one refund to one card: the newest of
/// the `candidates` (given newest first) that can take all of it.
///
/// Why one payment: one refund is one gateway call under one idempotency
/// key, whose outcome is known as a whole; a credit larger than any recent
/// payment can take is paid out in several refunds, each staff-confirmed.
///
/// # Errors
/// [`CreditRefundError::NotPositive`], [`CreditRefundError::ExceedsCredit`],
/// [`CreditRefundError::NoPayment`].
pub fn credit_refund(
    asked: Option<Cents>,
    credit: Cents,
    candidates: &[CreditRefundCandidate],
) -> Result<(Uuid, Cents), CreditRefundError> {
    let amount = match asked {
        Some(amount) if amount <= Cents::ZERO => return Err(CreditRefundError::NotPositive),
        Some(amount) => amount,
        None => credit,
    };
    if amount > credit || credit <= Cents::ZERO {
        return Err(CreditRefundError::ExceedsCredit {
            credit: credit.max(Cents::ZERO),
        });
    }
    candidates
        .iter()
        .find(|c| c.refundable >= amount)
        .map(|c| (c.payment_id, amount))
        .ok_or(CreditRefundError::NoPayment {
            largest: candidates
                .iter()
                .map(|c| c.refundable)
                .max()
                .unwrap_or(Cents::ZERO),
        })
}

/// The key a refund is made under at the gateway (its idempotency key, and
/// the `refund_key` column), derived from who asked, their
/// `Idempotency-Key` and the payment (for a credit refund, the client, since
/// the store chooses the payment): a retry of the same request, even after
/// a crash, can only reach the same refund.
pub fn refund_key(principal: &str, idempotency_key: &str, subject_id: Uuid) -> String {
    let digest = Sha256::digest(format!("{principal}\n{idempotency_key}\n{subject_id}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("refund_{hex}")
}

/// The key under which a refund made in the gateway's dashboard is recorded:
/// the payment and the gateway's running refund total that revealed it, so
/// a repeated event finds the refund it already recorded.
pub fn outside_refund_key(payment_id: Uuid, gateway_total: Cents) -> String {
    format!("outside_{}_{}", payment_id.simple(), gateway_total.0)
}

/// The vehicle's paid-through date after a refund: **unchanged**, for a
/// partial refund and a full one alike.
///
/// Why: a paid-through date records monitoring service that the program and
/// the court rely on; the device stayed installed and reporting for the days
/// already served, and a refund amount does not name a period (a partial
/// refund of a 14-day package is no whole number of days). So a refund moves
/// money only, and staff who also end or shorten the service change it
/// separately, where it is logged as a service change. Source: issue 17 asks
/// for this rule to be written down; this is the choice made, recorded in
/// docs/payments.md ("Refunds").
pub fn paid_through_after_refund(paid_through: Option<NaiveDate>) -> Option<NaiveDate> {
    paid_through
}

/// Where a dispute (chargeback) on a payment stands, as the books see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisputeStatus {
    /// The cardholder's bank is deciding; the money is held back.
    Open,
    /// Decided for us: the money stays.
    Won,
    /// Decided for the cardholder: the money went back to them
    /// (a chargeback entry in the ledger).
    Lost,
}

impl DisputeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DisputeStatus::Open => "open",
            DisputeStatus::Won => "won",
            DisputeStatus::Lost => "lost",
        }
    }

    pub fn parse(status: &str) -> Option<DisputeStatus> {
        [DisputeStatus::Open, DisputeStatus::Won, DisputeStatus::Lost]
            .into_iter()
            .find(|s| s.as_str() == status)
    }
}

/// Whether a payment with this dispute can be refunded: not while the
/// cardholder's bank holds the money (`open`; Stripe refuses to refund a
/// disputed charge) nor after it gave it back (`lost`: a refund would pay
/// it twice). A dispute won leaves the payment refundable.
pub fn dispute_allows_refund(dispute: Option<DisputeStatus>) -> bool {
    matches!(dispute, None | Some(DisputeStatus::Won))
}

/// Whether a payment's dispute moves from `current` to `next` as an event
/// reports: a new state only, and never out of a decision (`won`, `lost`),
/// so a repeated or late event (an `open` after the `lost`) changes nothing.
pub fn dispute_changes(current: Option<DisputeStatus>, next: DisputeStatus) -> bool {
    match current {
        None => true,
        Some(DisputeStatus::Open) => next != DisputeStatus::Open,
        Some(DisputeStatus::Won | DisputeStatus::Lost) => false,
    }
}

/// Why a refund cannot be made as asked. Each maps to one problem code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    /// Zero or a negative amount was asked (`validation_failed`).
    #[error("a refund is for a positive amount")]
    NotPositive,
    /// More than is left to refund (`refund_exceeds_payment`), including a
    /// payment already refunded in full.
    #[error("the refund is more than is left to refund ({left} cents)")]
    ExceedsPayment { left: Cents },
}

/// What is left to refund of a payment that captured `captured`, when
/// `refunded` is already given back or on its way back (succeeded and
/// pending refunds: a pending refund holds its money, as a pending payment
/// holds the past due it collects). Never below zero.
pub fn refundable(captured: Cents, refunded: Cents) -> Cents {
    (captured - refunded).max(Cents::ZERO)
}

/// The amount a refund request gives back: `asked`, or all that is left
/// when no amount was given.
///
/// # Errors
/// [`RefundError::NotPositive`] for an amount ≤ 0;
/// [`RefundError::ExceedsPayment`] when it is more than is left, or nothing
/// is left.
pub fn refund_amount(
    asked: Option<Cents>,
    captured: Cents,
    refunded: Cents,
) -> Result<Cents, RefundError> {
    let left = refundable(captured, refunded);
    match asked {
        Some(amount) if amount <= Cents::ZERO => Err(RefundError::NotPositive),
        Some(amount) if amount > left => Err(RefundError::ExceedsPayment { left }),
        Some(amount) => Ok(amount),
        None if left == Cents::ZERO => Err(RefundError::ExceedsPayment { left }),
        None => Ok(left),
    }
}

/// The part of a gateway's running refund total (`gateway_total`, Stripe's
/// `amount_refunded`) that we have no refund for: a refund made in the
/// gateway's dashboard. `recorded` is the sum of our refunds of the payment
/// that the gateway has accepted (succeeded or pending). `None` when there
/// is nothing new, so a repeated or out-of-order event records nothing.
pub fn outside_refund(gateway_total: Cents, recorded: Cents) -> Option<Cents> {
    let outside = gateway_total - recorded;
    (outside > Cents::ZERO).then_some(outside)
}

/// Whether a refund of `amount` gives back the whole payment, once the
/// refunds before it (`refunded_before`) are counted.
pub fn refunds_in_full(captured: Cents, refunded_before: Cents, amount: Cents) -> bool {
    refunded_before + amount >= captured
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn candidate(n: u128, refundable: i64) -> CreditRefundCandidate {
        CreditRefundCandidate {
            payment_id: Uuid::from_u128(n),
            refundable: Cents(refundable),
        }
    }

    #[test]
    fn a_credit_goes_back_to_the_newest_payment_that_can_take_all_of_it() {
        let candidates = [candidate(1, 1000), candidate(2, 5000), candidate(3, 9000)];
        assert_eq!(
            credit_refund(Some(Cents(3000)), Cents(4000), &candidates),
            Ok((Uuid::from_u128(2), Cents(3000)))
        );
        // No amount: all of the credit.
        assert_eq!(
            credit_refund(None, Cents(6000), &candidates),
            Ok((Uuid::from_u128(3), Cents(6000)))
        );
    }

    #[test]
    fn a_credit_refund_never_exceeds_the_credit() {
        let candidates = [candidate(1, 10_000)];
        assert_eq!(
            credit_refund(Some(Cents(4001)), Cents(4000), &candidates),
            Err(CreditRefundError::ExceedsCredit {
                credit: Cents(4000)
            })
        );
        assert_eq!(
            credit_refund(None, Cents(0), &candidates),
            Err(CreditRefundError::ExceedsCredit { credit: Cents(0) })
        );
        assert_eq!(
            credit_refund(Some(Cents(0)), Cents(4000), &candidates),
            Err(CreditRefundError::NotPositive)
        );
    }

    #[test]
    fn a_credit_no_recent_payment_can_take_says_how_much_one_could() {
        assert_eq!(
            credit_refund(Some(Cents(3000)), Cents(4000), &[candidate(1, 2500)]),
            Err(CreditRefundError::NoPayment {
                largest: Cents(2500)
            })
        );
        assert_eq!(
            credit_refund(Some(Cents(3000)), Cents(4000), &[]),
            Err(CreditRefundError::NoPayment { largest: Cents(0) })
        );
    }

    proptest! {
        #[test]
        fn a_credit_refund_fits_the_credit_and_its_payment(
            asked in proptest::option::of(-100i64..20_000),
            credit in -1000i64..20_000,
            refundables in proptest::collection::vec(0i64..20_000, 0..5),
        ) {
            let candidates: Vec<_> = refundables
                .iter()
                .enumerate()
                .map(|(i, r)| candidate(u128::try_from(i).unwrap(), *r))
                .collect();
            if let Ok((payment, amount)) = credit_refund(asked.map(Cents), Cents(credit), &candidates) {
                prop_assert!(amount > Cents::ZERO);
                prop_assert!(amount <= Cents(credit));
                let chosen = candidates.iter().find(|c| c.payment_id == payment).unwrap();
                prop_assert!(amount <= chosen.refundable);
            }
        }
    }

    #[test]
    fn no_amount_refunds_all_that_is_left() {
        assert_eq!(
            refund_amount(None, Cents(17649), Cents(0)),
            Ok(Cents(17649))
        );
        assert_eq!(
            refund_amount(None, Cents(17649), Cents(649)),
            Ok(Cents(17000))
        );
        assert_eq!(
            refund_amount(None, Cents(17649), Cents(17649)),
            Err(RefundError::ExceedsPayment { left: Cents(0) })
        );
    }

    #[test]
    fn an_amount_is_positive_and_within_what_is_left() {
        assert_eq!(
            refund_amount(Some(Cents(500)), Cents(1000), Cents(0)),
            Ok(Cents(500))
        );
        assert_eq!(
            refund_amount(Some(Cents(500)), Cents(1000), Cents(500)),
            Ok(Cents(500))
        );
        assert_eq!(
            refund_amount(Some(Cents(501)), Cents(1000), Cents(500)),
            Err(RefundError::ExceedsPayment { left: Cents(500) })
        );
        assert_eq!(
            refund_amount(Some(Cents(0)), Cents(1000), Cents(0)),
            Err(RefundError::NotPositive)
        );
        assert_eq!(
            refund_amount(Some(Cents(-1)), Cents(1000), Cents(0)),
            Err(RefundError::NotPositive)
        );
    }

    #[test]
    fn a_dashboard_refund_is_what_the_gateway_total_has_beyond_ours() {
        assert_eq!(outside_refund(Cents(1500), Cents(500)), Some(Cents(1000)));
        // Our own refund reported back, a repeat, or an older event: nothing new.
        assert_eq!(outside_refund(Cents(500), Cents(500)), None);
        assert_eq!(outside_refund(Cents(0), Cents(500)), None);
    }

    #[test]
    fn the_refund_state_machine_ends_in_failed_and_open_means_not_final() {
        use RefundStatus::*;
        for status in RefundStatus::ALL {
            assert_eq!(RefundStatus::parse(status.as_str()), Some(status));
            assert!(!Failed.can_become(status));
        }
        assert!(Pending.can_become(Unknown) && Unknown.can_become(Succeeded));
        assert!(Succeeded.can_become(Failed) && !Succeeded.can_become(Pending));
        assert!(Pending.is_open() && Unknown.is_open());
        assert!(!Succeeded.is_open() && !Failed.is_open());
        assert!(Pending.holds_money() && Unknown.holds_money() && Succeeded.holds_money());
        assert!(!Failed.holds_money());
    }

    #[test]
    fn a_refund_key_names_the_request_and_the_payment() {
        let payment = Uuid::from_u128(7);
        let key = refund_key("staff:1", "k", payment);
        assert_eq!(key, refund_key("staff:1", "k", payment));
        assert_ne!(key, refund_key("staff:2", "k", payment));
        assert_ne!(key, refund_key("staff:1", "k", Uuid::from_u128(8)));
        assert!(key.starts_with("refund_") && key.len() == 39);
        assert_eq!(
            outside_refund_key(payment, Cents(500)),
            outside_refund_key(payment, Cents(500))
        );
    }

    #[test]
    fn a_refund_leaves_the_paid_through_date_as_it_was() {
        let through = NaiveDate::from_ymd_opt(2026, 12, 14);
        // Whether the refund is partial or gives back the whole payment.
        assert_eq!(paid_through_after_refund(through), through);
        assert_eq!(paid_through_after_refund(None), None);
    }

    #[test]
    fn a_decided_dispute_stays_decided() {
        use DisputeStatus::*;
        assert!(dispute_changes(None, Open));
        assert!(dispute_changes(None, Lost));
        assert!(dispute_changes(Some(Open), Won));
        assert!(dispute_changes(Some(Open), Lost));
        assert!(!dispute_changes(Some(Open), Open), "a repeated event");
        assert!(!dispute_changes(Some(Lost), Open), "a late event");
        assert!(!dispute_changes(Some(Lost), Lost));
        assert!(!dispute_changes(Some(Won), Lost));
        for status in [Open, Won, Lost] {
            assert_eq!(DisputeStatus::parse(status.as_str()), Some(status));
        }
        assert!(dispute_allows_refund(None) && dispute_allows_refund(Some(Won)));
        assert!(!dispute_allows_refund(Some(Open)) && !dispute_allows_refund(Some(Lost)));
    }

    #[test]
    fn in_full_counts_the_refunds_before() {
        assert!(refunds_in_full(Cents(1000), Cents(400), Cents(600)));
        assert!(!refunds_in_full(Cents(1000), Cents(400), Cents(599)));
    }

    proptest! {
        /// However requests arrive, the refunds granted never add up to more
        /// than the payment, and asking for nothing after a full refund fails.
        #[test]
        fn refunds_never_exceed_the_payment(
            captured in 1i64..1_000_000,
            asks in proptest::collection::vec(proptest::option::of(-10i64..400_000), 0..12),
        ) {
            let mut refunded = Cents(0);
            for ask in asks {
                if let Ok(amount) = refund_amount(ask.map(Cents), Cents(captured), refunded) {
                    prop_assert!(amount > Cents(0));
                    refunded += amount;
                }
                prop_assert!(refunded <= Cents(captured));
            }
            if refunded == Cents(captured) {
                prop_assert!(refund_amount(None, Cents(captured), refunded).is_err());
            }
        }
    }
}
