//! Refunds: how much of a payment can still be given back, what a refund
//! asked for really refunds, and a refund made outside our API (in Stripe's
//! Dashboard) that a webhook reveals.
//!
//! Pure rules, no I/O. The amounts are cents of the payment's currency.
//! Sources: issue 17 ("the sum of refunds never exceeds the payment"; no
//! amount = all that is left to refund) and Stripe's `charge.refunded` event,
//! whose `amount_refunded` is the running total of the charge's refunds.

use super::money::Cents;

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
