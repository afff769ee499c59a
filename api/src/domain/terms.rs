//! The usage terms a payer accepts before paying (the pay page and My
//! Account's Make a Payment). The text is versioned: a payment records the
//! version its payer accepted, and a payer who accepted a version that is no
//! longer current is asked to read the current one (`409 terms_version_stale`).
//! A new version is a new [`Terms`] constant made [`CURRENT`], with the
//! version and effective date changed; old versions stay in [`ALL`] so a
//! recorded version can still be read.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

/// One version of the usage terms.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct Terms {
    /// The version a payment records (`2026-12-01`).
    #[schema(example = "2026-12-01")]
    pub version: &'static str,
    /// The day (US Central calendar) from which this version applies.
    pub effective_date: NaiveDate,
    /// The title shown above the text.
    #[schema(example = "Terms of use for online payments")]
    pub title: &'static str,
    /// The text as HTML-safe markup: only `<h2>`, `<p>`, `<ul>` and `<li>`,
    /// no attributes, no links, no scripts (written here, never from input).
    pub html: &'static str,
}

/// The terms of 2026-12-01.
pub const TERMS_2026_12_01: Terms = Terms {
    version: "2026-12-01",
    effective_date: match NaiveDate::from_ymd_opt(2026, 12, 1) {
        Some(day) => day,
        None => panic!("a valid date"),
    },
    title: "Terms of use for online payments",
    html: "<h2>What you pay for</h2>\
<p>A payment pays for monitoring of the vehicle shown, for the number of days shown, and any past due \
balance shown. The amount is the total on the page before you pay; nothing else is charged.</p>\
<h2>Your card</h2>\
<p>Your card is charged once, when you pay. Card numbers go to our payment processor and never to us; we keep \
only the card's brand, last four digits and expiry when you ask us to save the card.</p>\
<h2>Payment links</h2>\
<p>A secure payment link can be paid once, within the time shown, for the amount shown. If you pay for someone \
else, you pay toward their monitoring account; you get the receipt, and they are told the payment was made.</p>\
<h2>Auto Pay</h2>\
<p>With Auto Pay on, the card you chose is charged the day before monitoring runs out, for your usual period. \
You can turn Auto Pay off at any time in My Account.</p>\
<h2>Refunds and questions</h2>\
<p>Payments are not refundable once monitoring for the period has started, except where the law requires. \
Call our support team with any question about a charge.</p>",
};

/// The version in force: what the pay page and Make a Payment show.
pub const CURRENT: Terms = TERMS_2026_12_01;

/// Every version ever in force, oldest first.
pub const ALL: &[Terms] = &[TERMS_2026_12_01];

/// Whether `version` is the current one.
pub fn is_current(version: &str) -> bool {
    version == CURRENT.version
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_version_is_the_last_one_and_only_it_is_current() {
        assert_eq!(ALL.last().map(|t| t.version), Some(CURRENT.version));
        assert!(is_current(CURRENT.version));
        assert!(!is_current("2025-01-01"));
    }

    #[test]
    fn the_markup_uses_only_the_allowed_tags() {
        for terms in ALL {
            let mut rest = terms.html;
            while let Some(start) = rest.find('<') {
                let end = rest[start..].find('>').unwrap() + start;
                let tag = rest[start + 1..end].trim_start_matches('/');
                assert!(["h2", "p", "ul", "li"].contains(&tag), "{tag}");
                rest = &rest[end + 1..];
            }
        }
    }
}
