//! Money as integer minor units. No floats anywhere near an amount.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use utoipa::ToSchema;

/// An amount of US dollars in cents. Arithmetic is plain i64: amounts in this
/// business are bounded far below i64::MAX (see `MAX_CENTS`).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(transparent)]
pub struct Cents(pub i64);

/// The one currency this business bills in.
pub const CURRENCY: &str = "USD";

/// Upper bound of any single amount we accept (ten million dollars): keeps
/// every sum and tax product far from overflow.
pub const MAX_CENTS: i64 = 1_000_000_000;

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// `self` × `rate`, rounded half-up to the cent (see [`TaxRate`]).
    pub fn times_rate(self, rate: TaxRate) -> Cents {
        let product = i128::from(self.0) * i128::from(rate.ppm());
        let cents = round_half_up_div(product, 1_000_000);
        Cents(i64::try_from(cents).unwrap_or(i64::MAX))
    }

    /// `$1,234.56`, `-$0.50`: the one way amounts are written for people
    /// (SMS bodies, client log comments).
    pub fn display_usd(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let dollars = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, ch) in dollars.chars().enumerate() {
            if i > 0 && (dollars.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        format!("{sign}${grouped}.{:02}", abs % 100)
    }
}

/// Integer division rounding halves away from zero (amounts here are never
/// negative, so this is "half-up").
fn round_half_up_div(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.abs() * 2 >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

impl Add for Cents {
    type Output = Cents;
    fn add(self, rhs: Cents) -> Cents {
        Cents(self.0 + rhs.0)
    }
}

impl Sub for Cents {
    type Output = Cents;
    fn sub(self, rhs: Cents) -> Cents {
        Cents(self.0 - rhs.0)
    }
}

impl AddAssign for Cents {
    fn add_assign(&mut self, rhs: Cents) {
        self.0 += rhs.0;
    }
}

impl SubAssign for Cents {
    fn sub_assign(&mut self, rhs: Cents) {
        self.0 -= rhs.0;
    }
}

impl Neg for Cents {
    type Output = Cents;
    fn neg(self) -> Cents {
        Cents(-self.0)
    }
}

impl Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        iter.fold(Cents::ZERO, Add::add)
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_usd())
    }
}

/// A sales-tax rate in parts per million (8.25 % = 82_500), so rates with
/// three decimals of a percent (7.375 %) stay exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct TaxRate(i64);

impl TaxRate {
    /// A rate between 0 and 100 %.
    pub fn from_ppm(ppm: i64) -> Option<TaxRate> {
        (0..=1_000_000).contains(&ppm).then_some(TaxRate(ppm))
    }

    pub fn ppm(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rate(ppm: i64) -> TaxRate {
        TaxRate::from_ppm(ppm).unwrap()
    }

    #[test]
    fn tax_rounds_half_up_to_the_cent() {
        assert_eq!(Cents(200).times_rate(rate(82_500)), Cents(17)); // 16.5 -> 17
        assert_eq!(Cents(4_900).times_rate(rate(82_500)), Cents(404)); // 404.25 -> 404
        assert_eq!(Cents(9_500).times_rate(rate(82_500)), Cents(784)); // 783.75 -> 784
        assert_eq!(Cents(1).times_rate(rate(499_999)), Cents(0)); // 0.499999 -> 0
        assert_eq!(Cents(1).times_rate(rate(500_000)), Cents(1)); // 0.5 -> 1
                                                                  // Found by the property below: an exact half cent on a large amount.
        assert_eq!(
            Cents(977_652_000).times_rate(rate(440_125)),
            Cents(430_289_087)
        ); // 430,289,086.5 -> …087
        assert_eq!(Cents(0).times_rate(rate(82_500)), Cents(0));
    }

    #[test]
    fn tax_rates_outside_zero_to_one_hundred_percent_are_refused() {
        assert!(TaxRate::from_ppm(-1).is_none());
        assert!(TaxRate::from_ppm(1_000_001).is_none());
        assert!(TaxRate::from_ppm(1_000_000).is_some());
    }

    #[test]
    fn amounts_are_written_with_dollar_sign_grouping_and_two_decimals() {
        assert_eq!(Cents(0).display_usd(), "$0.00");
        assert_eq!(Cents(5).display_usd(), "$0.05");
        assert_eq!(Cents(17_649).display_usd(), "$176.49");
        assert_eq!(Cents(123_456_789).display_usd(), "$1,234,567.89");
        assert_eq!(Cents(-50).display_usd(), "-$0.50");
    }

    proptest! {
        #[test]
        fn tax_is_within_half_a_cent_of_the_exact_product(amount in 0i64..MAX_CENTS, ppm in 0i64..=1_000_000) {
            let tax = Cents(amount).times_rate(rate(ppm)).0;
            let exact_millionths = i128::from(amount) * i128::from(ppm);
            let diff = i128::from(tax) * 1_000_000 - exact_millionths;
            // Half up: an exact half cent rounds up (diff = +500,000 millionths),
            // anything less than half rounds down.
            prop_assert!(diff > -500_000 && diff <= 500_000, "diff {diff}");
        }
    }
}
