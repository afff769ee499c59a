//! The price of a monitoring period: the one place the quote rule lives.
//!
//! Rules (also in the README):
//! - Monitoring fee: the location's package price for 14 or 30 days when it
//!   has one, otherwise its daily rate × days.
//! - Tax: the monitoring fee × the location's tax rate, rounded half-up to the
//!   cent. Past due balance is not taxed again (it was taxed when invoiced).
//! - Credit: the client's credit (from their account ledger) is applied to the
//!   next quote as a `credit` line that subtracts it, but never more than the
//!   rest of the quote: a total is never negative. A credit that covers the
//!   whole quote brings it to zero (nothing to charge: the period is paid
//!   with the credit). Otherwise the card is charged at least
//!   [`MINIMUM_CARD_CHARGE`]: a credit that would leave less is applied only
//!   up to it, and the rest stays the client's.
//! - Total due = monitoring fee + tax + past due balance − credit applied = the
//!   sum of the lines.

use super::money::{Cents, TaxRate, CURRENCY};
use super::monitor_days::MonitorDays;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a location charges for monitoring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PricePlan {
    pub daily_rate: Option<Cents>,
    pub price_14: Option<Cents>,
    pub price_30: Option<Cents>,
}

impl PricePlan {
    /// The monitoring fee for a period, or `None` when the plan has no price for it.
    pub fn monitoring_fee(&self, days: MonitorDays) -> Option<Cents> {
        let package = match days {
            MonitorDays::Fourteen => self.price_14,
            MonitorDays::Thirty => self.price_30,
        };
        package.or_else(|| self.daily_rate.map(|rate| Cents(rate.0 * days.days())))
    }
}

/// The kind of an invoice or quote line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Monitoring,
    PastDue,
    Tax,
    /// The client's credit applied: the one line below zero.
    Credit,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Monitoring => "monitoring",
            LineKind::PastDue => "past_due",
            LineKind::Tax => "tax",
            LineKind::Credit => "credit",
        }
    }

    pub fn parse(kind: &str) -> Option<LineKind> {
        [
            LineKind::Monitoring,
            LineKind::PastDue,
            LineKind::Tax,
            LineKind::Credit,
        ]
        .into_iter()
        .find(|k| k.as_str() == kind)
    }
}

/// One line of a quote or an invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Line {
    pub kind: LineKind,
    #[schema(example = "Monitoring, 14 days")]
    pub description: String,
    #[schema(value_type = crate::domain::Cents, example = 4900)]
    pub amount_cents: Cents,
}

/// A priced monitoring period: what the client is asked to pay. Links and
/// payments keep the quote they were made from, so the amount charged is
/// exactly the amount shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Quote {
    #[schema(value_type = crate::domain::MonitorDays)]
    pub monitor_days: MonitorDays,
    pub lines: Vec<Line>,
    /// The taxable subtotal: the monitoring fee.
    #[schema(value_type = crate::domain::Cents, example = 4900)]
    pub subtotal_cents: Cents,
    #[schema(value_type = crate::domain::Cents, example = 404)]
    pub tax_cents: Cents,
    #[schema(value_type = crate::domain::Cents, example = 12345)]
    pub past_due_cents: Cents,
    /// The client's credit applied (zero or more; its line subtracts it).
    /// Quotes kept from before credits existed have none.
    #[serde(default)]
    #[schema(value_type = crate::domain::Cents, example = 0)]
    pub credit_cents: Cents,
    #[schema(value_type = crate::domain::Cents, example = 17649)]
    pub total_due_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
    /// The client's credit pays the whole period: nothing is charged, and a
    /// supervisor applies the credit instead ([`Quote::is_covered_by_credit`]).
    /// Quotes kept from before credits existed say false.
    #[serde(default)]
    pub covered_by_credit: bool,
}

/// The least a card payment can be for: Stripe's minimum charge amount in
/// USD ($0.50, "Minimum and maximum charge amounts" in Stripe's
/// documentation); a smaller PaymentIntent is refused.
pub const MINIMUM_CARD_CHARGE: Cents = Cents(50);

/// The credit a quote applies when the rest of it comes to `rest` and the
/// client has `credit` (below zero counts as zero): all of `rest` when the
/// credit covers it, else as much as leaves at least [`MINIMUM_CARD_CHARGE`]
/// to charge (all the credit when that leaves enough).
pub fn credit_applied(rest: Cents, credit: Cents) -> Cents {
    let credit = credit.max(Cents::ZERO);
    if credit >= rest {
        rest.max(Cents::ZERO)
    } else {
        credit.min((rest - MINIMUM_CARD_CHARGE).max(Cents::ZERO))
    }
}

/// Why a period cannot be priced.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error("the location has no price for {0} monitor days")]
    NoPrice(i64),
}

impl Quote {
    /// Whether the client's credit pays the whole quote: some credit is
    /// applied and nothing is left to charge.
    pub fn is_covered_by_credit(&self) -> bool {
        self.credit_cents > Cents::ZERO && self.total_due_cents == Cents::ZERO
    }

    /// Prices `days` of monitoring under `plan` and `tax_rate`, carrying the
    /// client's `past_due` balance and applying their `credit` (both from
    /// [`super::ledger::account`]; a value below zero counts as zero). The
    /// credit applied is at most what the rest of the quote comes to; the
    /// `credit` line appears only when some is applied.
    pub fn compute(
        plan: &PricePlan,
        tax_rate: TaxRate,
        days: MonitorDays,
        past_due: Cents,
        credit: Cents,
    ) -> Result<Quote, QuoteError> {
        let fee = plan
            .monitoring_fee(days)
            .ok_or(QuoteError::NoPrice(days.days()))?;
        let tax = fee.times_rate(tax_rate);
        let past_due = past_due.max(Cents::ZERO);
        let credit = credit_applied(fee + past_due + tax, credit);
        let mut lines = vec![
            Line {
                kind: LineKind::Monitoring,
                description: format!("Monitoring, {} days", days.days()),
                amount_cents: fee,
            },
            Line {
                kind: LineKind::PastDue,
                description: "Past due balance".into(),
                amount_cents: past_due,
            },
            Line {
                kind: LineKind::Tax,
                description: format!("Tax ({})", percent(tax_rate)),
                amount_cents: tax,
            },
        ];
        if credit > Cents::ZERO {
            lines.push(Line {
                kind: LineKind::Credit,
                description: "Credit".into(),
                amount_cents: -credit,
            });
        }
        let total = lines.iter().map(|line| line.amount_cents).sum();
        let mut quote = Quote {
            monitor_days: days,
            lines,
            subtotal_cents: fee,
            tax_cents: tax,
            past_due_cents: past_due,
            credit_cents: credit,
            total_due_cents: total,
            currency: CURRENCY.into(),
            covered_by_credit: false,
        };
        quote.covered_by_credit = quote.is_covered_by_credit();
        Ok(quote)
    }
}

/// `8.25%`, `7.375%`, `0%`: the rate as staff and clients read it.
fn percent(rate: TaxRate) -> String {
    let ppm = rate.ppm();
    let whole = ppm / 10_000;
    let fraction = format!("{:04}", ppm % 10_000);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{whole}%")
    } else {
        format!("{whole}.{fraction}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DAILY_PLUS_30: PricePlan = PricePlan {
        daily_rate: Some(Cents(350)),
        price_14: None,
        price_30: Some(Cents(9_500)),
    };

    fn rate(ppm: i64) -> TaxRate {
        TaxRate::from_ppm(ppm).unwrap()
    }

    #[test]
    fn fourteen_days_at_a_daily_rate_with_past_due() {
        let quote = Quote::compute(
            &DAILY_PLUS_30,
            rate(82_500),
            MonitorDays::Fourteen,
            Cents(12_345),
            Cents::ZERO,
        )
        .unwrap();
        assert_eq!(quote.subtotal_cents, Cents(4_900));
        assert_eq!(quote.tax_cents, Cents(404));
        assert_eq!(quote.past_due_cents, Cents(12_345));
        assert_eq!(quote.total_due_cents, Cents(17_649));
        assert_eq!(quote.lines[2].description, "Tax (8.25%)");
    }

    #[test]
    fn a_package_price_wins_over_the_daily_rate() {
        let quote = Quote::compute(
            &DAILY_PLUS_30,
            rate(82_500),
            MonitorDays::Thirty,
            Cents::ZERO,
            Cents::ZERO,
        )
        .unwrap();
        assert_eq!(quote.subtotal_cents, Cents(9_500));
        assert_eq!(quote.tax_cents, Cents(784));
        assert_eq!(quote.total_due_cents, Cents(10_284));
    }

    #[test]
    fn a_plan_without_a_price_for_the_period_cannot_be_quoted() {
        let plan = PricePlan {
            daily_rate: None,
            price_14: Some(Cents(5_000)),
            price_30: None,
        };
        assert_eq!(
            Quote::compute(
                &plan,
                rate(0),
                MonitorDays::Thirty,
                Cents::ZERO,
                Cents::ZERO
            ),
            Err(QuoteError::NoPrice(30))
        );
    }

    /// A credit reaches a quote through its own argument (from the ledger),
    /// never as a past due balance below zero.
    #[test]
    fn a_past_due_below_zero_is_not_subtracted_from_the_total() {
        let quote = Quote::compute(
            &DAILY_PLUS_30,
            rate(0),
            MonitorDays::Fourteen,
            Cents(-500),
            Cents::ZERO,
        )
        .unwrap();
        assert_eq!(quote.past_due_cents, Cents::ZERO);
        assert_eq!(quote.total_due_cents, Cents(4_900));
        assert_eq!(quote.lines.len(), 3);
    }

    #[test]
    fn a_credit_is_applied_as_a_line_that_subtracts_it() {
        let quote = Quote::compute(
            &DAILY_PLUS_30,
            rate(82_500),
            MonitorDays::Fourteen,
            Cents::ZERO,
            Cents(1_000),
        )
        .unwrap();
        assert_eq!(quote.credit_cents, Cents(1_000));
        assert_eq!(quote.total_due_cents, Cents(4_900 + 404 - 1_000));
        let credit = quote.lines.last().unwrap();
        assert_eq!(
            (credit.kind, credit.amount_cents),
            (LineKind::Credit, Cents(-1_000))
        );
    }

    #[test]
    fn a_credit_larger_than_the_quote_brings_it_to_zero_not_below() {
        let quote = Quote::compute(
            &DAILY_PLUS_30,
            rate(82_500),
            MonitorDays::Fourteen,
            Cents::ZERO,
            Cents(100_000),
        )
        .unwrap();
        assert_eq!(quote.credit_cents, Cents(5_304));
        assert_eq!(quote.total_due_cents, Cents::ZERO);
        assert!(quote.covered_by_credit && quote.is_covered_by_credit());
    }

    #[test]
    fn only_a_quote_the_credit_brings_to_zero_is_covered_by_credit() {
        let quote = |credit| {
            Quote::compute(
                &DAILY_PLUS_30,
                rate(82_500),
                MonitorDays::Fourteen,
                Cents::ZERO,
                Cents(credit),
            )
            .unwrap()
        };
        assert!(!quote(0).covered_by_credit);
        assert!(!quote(1_000).covered_by_credit);
        assert!(!quote(5_280).covered_by_credit, "50 ¢ is left to charge");
        assert!(quote(5_304).covered_by_credit);
        // A free period (no price, no credit) is not covered by credit.
        let free = PricePlan {
            daily_rate: Some(Cents::ZERO),
            price_14: None,
            price_30: None,
        };
        let nothing = Quote::compute(
            &free,
            rate(0),
            MonitorDays::Fourteen,
            Cents::ZERO,
            Cents::ZERO,
        )
        .unwrap();
        assert_eq!(nothing.total_due_cents, Cents::ZERO);
        assert!(!nothing.covered_by_credit);
    }

    #[test]
    fn a_credit_that_would_leave_less_than_the_minimum_charge_leaves_the_minimum() {
        // 5,304 ¢ to pay and 5,280 ¢ of credit: 24 ¢ is less than a card can
        // be charged, so 5,254 ¢ is applied and 50 ¢ charged; 26 ¢ stays.
        let quote = Quote::compute(
            &DAILY_PLUS_30,
            rate(82_500),
            MonitorDays::Fourteen,
            Cents::ZERO,
            Cents(5_280),
        )
        .unwrap();
        assert_eq!(
            (quote.credit_cents, quote.total_due_cents),
            (Cents(5_254), MINIMUM_CARD_CHARGE)
        );
        assert_eq!(credit_applied(Cents(5_304), Cents(5_304)), Cents(5_304));
        assert_eq!(credit_applied(Cents(5_304), Cents(5_254)), Cents(5_254));
        assert_eq!(credit_applied(Cents(30), Cents(10)), Cents::ZERO);
        assert_eq!(credit_applied(Cents(30), Cents(30)), Cents(30));
        assert_eq!(credit_applied(Cents(5_304), Cents(-5)), Cents::ZERO);
    }

    #[test]
    fn a_quote_kept_before_credits_existed_reads_as_without_credit() {
        let quote = Quote::compute(
            &DAILY_PLUS_30,
            rate(82_500),
            MonitorDays::Fourteen,
            Cents(12_345),
            Cents::ZERO,
        )
        .unwrap();
        let mut kept = serde_json::to_value(&quote).unwrap();
        kept.as_object_mut().unwrap().remove("credit_cents");
        kept.as_object_mut().unwrap().remove("covered_by_credit");
        assert_eq!(serde_json::from_value::<Quote>(kept).unwrap(), quote);
    }

    #[test]
    fn tax_rates_are_written_without_trailing_zeros() {
        assert_eq!(percent(rate(82_500)), "8.25%");
        assert_eq!(percent(rate(73_750)), "7.375%");
        assert_eq!(percent(rate(60_000)), "6%");
        assert_eq!(percent(rate(0)), "0%");
    }

    proptest! {
        #[test]
        fn the_total_is_the_sum_of_the_lines_and_never_negative(
            daily in proptest::option::of(0i64..100_000),
            p14 in proptest::option::of(0i64..1_000_000),
            p30 in proptest::option::of(0i64..1_000_000),
            ppm in 0i64..=1_000_000,
            thirty: bool,
            past_due in -1_000_000i64..10_000_000,
            credit in -1_000_000i64..10_000_000,
        ) {
            let plan = PricePlan { daily_rate: daily.map(Cents), price_14: p14.map(Cents), price_30: p30.map(Cents) };
            let days = if thirty { MonitorDays::Thirty } else { MonitorDays::Fourteen };
            if let Ok(quote) = Quote::compute(&plan, rate(ppm), days, Cents(past_due), Cents(credit)) {
                let sum: Cents = quote.lines.iter().map(|l| l.amount_cents).sum();
                prop_assert_eq!(sum, quote.total_due_cents);
                prop_assert_eq!(
                    quote.subtotal_cents + quote.tax_cents + quote.past_due_cents - quote.credit_cents,
                    quote.total_due_cents
                );
                prop_assert!(quote.total_due_cents >= Cents::ZERO);
                prop_assert!(quote.credit_cents <= Cents(credit.max(0)));
                // The credit is applied in full unless the quote is brought to
                // zero or to the minimum card charge; a total above zero is at
                // least that minimum whenever credit was applied.
                prop_assert!(
                    quote.credit_cents == Cents(credit.max(0))
                        || quote.total_due_cents == Cents::ZERO
                        || quote.total_due_cents == MINIMUM_CARD_CHARGE
                );
                prop_assert!(
                    quote.credit_cents == Cents::ZERO
                        || quote.total_due_cents == Cents::ZERO
                        || quote.total_due_cents >= MINIMUM_CARD_CHARGE
                );
                prop_assert!(quote
                    .lines
                    .iter()
                    .all(|l| (l.kind == LineKind::Credit) == (l.amount_cents < Cents::ZERO)));
            }
        }
    }
}
