//! Every text message the product sends, in one place, so that a
//! translation (issue 19, item 6) can be added next to each one.
//!
//! Each template keeps within [`MAX_SEGMENTS`] GSM-7 segments with the
//! longest values the settings allow (`COMPANY_NAME_MAX_SEPTETS`,
//! `PUBLIC_BASE_URL_MAX_SEPTETS`): the tests below compute the segments of
//! every template. Only GSM-7 characters go into a template (no `•`, no curly
//! quotes): one other character turns the whole text into UCS-2, at 70
//! characters a segment instead of 160.

use super::Cents;

/// Segments a template may take (each billed as one message).
pub const MAX_SEGMENTS: usize = 2;

/// Where My Account opens a receipt: the reference goes after `#`, so it never
/// reaches a server log or a Referer header (`frontend-myaccount`'s
/// `/my-account/receipt#<reference>`).
pub fn receipt_url(public_base_url: &str, reference: &str) -> String {
    format!("{public_base_url}/my-account/receipt#{reference}")
}

/// The text carrying a payment link, with the link's time to live in minutes
/// (rounded up).
pub fn payment_link(company: &str, amount: Cents, url: &str, ttl_seconds: i64) -> String {
    let ttl_minutes = (ttl_seconds + 59) / 60;
    let minutes = if ttl_minutes == 1 {
        "1 minute".to_owned()
    } else {
        format!("{ttl_minutes} minutes")
    };
    format!("{company}: your payment of {amount} is ready. Pay securely within {minutes}: {url}")
}

/// The receipt text sent after a payment succeeded, to the payer and, when
/// someone else paid, to the client. `url` carries the receipt reference
/// ([`receipt_url`]): the body is sealed in the outbox like a link's.
pub fn receipt(company: &str, amount: Cents, url: &str) -> String {
    format!("{company}: payment of {amount} received. Thank you! Your receipt: {url}")
}

/// The answer to HELP: who is texting and how to reach support.
pub fn help(company: &str, support_phone: &str) -> String {
    format!("{company}: payment links and receipts. Help: call {support_phone}. Reply STOP to opt out, START to opt back in.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{COMPANY_NAME_MAX_SEPTETS, PUBLIC_BASE_URL_MAX_SEPTETS};
    use crate::domain::{sms_length, LinkToken, ReceiptReference, SmsEncoding};

    /// Realistic values, and the longest the settings allow.
    fn companies() -> Vec<String> {
        vec![
            "Monitoring Services".into(),
            "M".repeat(COMPANY_NAME_MAX_SEPTETS),
            "€".repeat(COMPANY_NAME_MAX_SEPTETS / 2),
        ]
    }

    fn bases() -> Vec<String> {
        vec![
            "https://pay.example.com".into(),
            format!("https://{}", "p".repeat(PUBLIC_BASE_URL_MAX_SEPTETS - 8)),
        ]
    }

    fn amounts() -> Vec<Cents> {
        vec![Cents(4_500), Cents(17_649), Cents(99_999_999)]
    }

    fn assert_fits(text: &str) {
        let length = sms_length(text);
        assert_eq!(length.encoding, SmsEncoding::Gsm7, "{text}");
        assert!(
            length.segments <= MAX_SEGMENTS,
            "{} segments ({} septets): {text}",
            length.segments,
            length.units
        );
    }

    #[test]
    fn every_template_fits_two_gsm7_segments() {
        for company in companies() {
            for base in bases() {
                for amount in amounts() {
                    let token = LinkToken::generate();
                    let link = format!("{base}/my-account/pay#{}", token.expose());
                    for ttl in [60, 600, 86_400] {
                        assert_fits(&payment_link(&company, amount, &link, ttl));
                    }
                    let reference = ReceiptReference::generate();
                    let url = receipt_url(&base, reference.expose());
                    assert_fits(&receipt(&company, amount, &url));
                    assert_fits(&help(&company, "(800) 555-0100 ext. 12345"));
                }
            }
        }
    }

    #[test]
    fn a_receipt_text_carries_its_reference_after_the_hash() {
        let text = receipt(
            "Monitoring Services",
            Cents(17_649),
            &receipt_url("https://pay.example.com", "abc"),
        );
        assert_eq!(
            text,
            "Monitoring Services: payment of $176.49 received. Thank you! Your receipt: https://pay.example.com/my-account/receipt#abc"
        );
    }
}
