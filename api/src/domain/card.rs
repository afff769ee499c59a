//! Cards on file: whether a card being kept is one the client already has.

/// What tells two cards on file apart: the gateway's fingerprint of the card
/// number (Stripe: `PaymentMethod.card.fingerprint`, the same for every
/// PaymentMethod made from one number; the sandbox makes one from its test
/// number), and what every card on file has: brand, last 4 and expiry.
#[derive(Clone, Copy, Debug)]
pub struct CardIdentity<'a> {
    /// `None` for cards kept before fingerprints were (migration 0016), or
    /// from a gateway that gives none.
    pub fingerprint: Option<&'a str>,
    pub brand: &'a str,
    pub last4: &'a str,
    pub exp_month: i64,
    pub exp_year: i64,
}

/// Whether a card being kept is `on_file` already, so that saving it again
/// keeps one card, not two (issue 18).
///
/// The expiry must always match: a reissued card (same number, a new expiry)
/// is kept as a new card, so that Auto Pay can move to it and the expired one
/// can be removed, instead of the new expiry being lost. When both cards have
/// a fingerprint it decides: two different cards with the same brand, last 4
/// and expiry stay two cards. Without one, brand (in any case), last 4 and
/// expiry decide.
pub fn is_same_card(on_file: &CardIdentity<'_>, new: &CardIdentity<'_>) -> bool {
    let same_expiry = on_file.exp_month == new.exp_month && on_file.exp_year == new.exp_year;
    same_expiry
        && match (on_file.fingerprint, new.fingerprint) {
            (Some(a), Some(b)) => a == b,
            _ => on_file.brand.eq_ignore_ascii_case(new.brand) && on_file.last4 == new.last4,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn card<'a>(
        fingerprint: Option<&'a str>,
        brand: &'a str,
        last4: &'a str,
        exp: (i64, i64),
    ) -> CardIdentity<'a> {
        CardIdentity {
            fingerprint,
            brand,
            last4,
            exp_month: exp.0,
            exp_year: exp.1,
        }
    }

    #[test]
    fn the_same_fingerprint_and_expiry_is_the_same_card() {
        let on_file = card(Some("fp_A"), "visa", "4242", (12, 2030));
        assert!(is_same_card(
            &on_file,
            &card(Some("fp_A"), "visa", "4242", (12, 2030))
        ));
        assert!(
            !is_same_card(&on_file, &card(Some("fp_B"), "visa", "4242", (12, 2030))),
            "another card, same last 4"
        );
        assert!(
            !is_same_card(&on_file, &card(Some("fp_A"), "visa", "4242", (1, 2031))),
            "reissued"
        );
    }

    #[test]
    fn without_a_fingerprint_brand_last4_and_expiry_decide() {
        let on_file = card(None, "visa", "4242", (12, 2030));
        assert!(is_same_card(
            &on_file,
            &card(Some("fp_A"), "Visa", "4242", (12, 2030))
        ));
        assert!(is_same_card(
            &on_file,
            &card(None, "visa", "4242", (12, 2030))
        ));
        assert!(!is_same_card(
            &on_file,
            &card(None, "mastercard", "4242", (12, 2030))
        ));
        assert!(!is_same_card(
            &on_file,
            &card(None, "visa", "4243", (12, 2030))
        ));
        assert!(!is_same_card(
            &on_file,
            &card(None, "visa", "4242", (11, 2030))
        ));
    }

    proptest! {
        /// The rule is symmetric and every card is the same as itself.
        #[test]
        fn sameness_is_symmetric_and_reflexive(
            fa in proptest::option::of("fp_[ab]"), fb in proptest::option::of("fp_[ab]"),
            ba in "visa|Visa|amex", bb in "visa|amex",
            la in "424[12]", lb in "424[12]",
            ma in 11i64..13, mb in 11i64..13,
        ) {
            let a = card(fa.as_deref(), &ba, &la, (ma, 2030));
            let b = card(fb.as_deref(), &bb, &lb, (mb, 2030));
            prop_assert_eq!(is_same_card(&a, &b), is_same_card(&b, &a));
            prop_assert!(is_same_card(&a, &a));
        }
    }
}
