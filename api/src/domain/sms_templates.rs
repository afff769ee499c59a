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
use chrono::NaiveDate;

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

/// Characters of a vehicle's description a text carries at most.
pub const VEHICLE_LABEL_MAX: usize = 30;

/// A vehicle's description as a text may carry it: only characters of the
/// GSM-7 default alphabet (one other would turn the whole text into UCS-2),
/// at most [`VEHICLE_LABEL_MAX`] of them; "vehicle" when none is left.
pub fn vehicle_label(description: &str) -> String {
    let kept: String = description
        .chars()
        .filter(|c| super::sms_text::gsm7_septets(*c) == Some(1) && !c.is_control())
        .collect();
    let label: String = kept
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(VEHICLE_LABEL_MAX)
        .collect();
    match label.trim_end() {
        "" => "vehicle".to_owned(),
        label => label.to_owned(),
    }
}

/// A card as texts name it: "Visa ending 4242" (never `•`, which is not GSM-7).
pub fn card_label(brand: &str, last4: &str) -> String {
    let brand = match brand.to_ascii_lowercase().as_str() {
        "visa" => "Visa",
        "mastercard" => "Mastercard",
        "amex" | "american_express" => "American Express",
        "discover" => "Discover",
        "diners" => "Diners Club",
        "jcb" => "JCB",
        "unionpay" => "UnionPay",
        _ => "Card",
    };
    let last4: String = last4.chars().filter(char::is_ascii_digit).take(4).collect();
    format!("{brand} ending {last4}")
}

/// A business date as texts show it: "Dec 12".
pub fn short_date(date: NaiveDate) -> String {
    date.format("%b %-d").to_string()
}

/// Where a client manages their cards: My Account.
pub fn my_account_url(public_base_url: &str) -> String {
    format!("{public_base_url}/my-account/")
}

/// The payment reminder (issue 19, item 4) for a client not on Auto Pay:
/// what is due, by when, and how to get a link by reply.
pub fn payment_reminder(company: &str, vehicle: &str, amount: Cents, due_by: NaiveDate) -> String {
    let by = short_date(due_by);
    format!("{company}: monitoring for your {vehicle} is paid through {by}. {amount} is due by {by}. Reply PAY for a secure payment link.")
}

/// The payment reminder where the location takes no payments online: the
/// way to pay is a call.
pub fn payment_reminder_call(
    company: &str,
    vehicle: &str,
    amount: Cents,
    due_by: NaiveDate,
    support_phone: &str,
) -> String {
    let by = short_date(due_by);
    format!("{company}: monitoring for your {vehicle} is paid through {by}. {amount} is due by {by}. Call {support_phone} to pay.")
}

/// The notice of an Auto Pay charge to come (issue 19, item 3); `card` from
/// [`card_label`].
pub fn autopay_upcoming(
    company: &str,
    amount: Cents,
    card: &str,
    on: NaiveDate,
    vehicle: &str,
) -> String {
    let on = short_date(on);
    format!("{company}: Auto Pay will charge {amount} to {card} on {on} for your {vehicle}'s monitoring.")
}

/// The notice of a declined Auto Pay charge: what happened and how to pay.
pub fn autopay_declined(company: &str, amount: Cents, card: &str, vehicle: &str) -> String {
    format!("{company}: Auto Pay could not charge {amount} to {card} for your {vehicle}: the card was declined. Reply PAY for a secure payment link, or update your card in My Account.")
}

/// The reminder that the Auto Pay card expires (`expires` as `12/2026`).
pub fn card_expiring(
    company: &str,
    card: &str,
    exp_month: i64,
    exp_year: i64,
    url: &str,
) -> String {
    format!("{company}: your Auto Pay card, {card}, expires {exp_month:02}/{exp_year}. Update it in My Account so Auto Pay keeps working: {url}")
}

/// The answer to PAY from a phone no client has.
pub fn pay_unknown_phone(company: &str, support_phone: &str) -> String {
    format!("{company}: we could not find an account for this number. Call {support_phone} to pay.")
}

/// The answer to PAY when the client's location takes no payments online.
pub fn pay_not_accepted(company: &str, support_phone: &str) -> String {
    format!("{company}: payments by text are not available for your account. Call {support_phone} to pay.")
}

/// The answer to PAY beyond the client's daily number of links.
pub fn pay_rate_limited(company: &str, support_phone: &str) -> String {
    format!("{company}: too many payment links were requested today. Call {support_phone} to pay.")
}

/// The answer to PAY while the link sent for it is still good
/// (`minutes` left, rounded up).
pub fn pay_link_still_live(company: &str, minutes: i64) -> String {
    let minutes = if minutes == 1 {
        "1 more minute".to_owned()
    } else {
        format!("{minutes} more minutes")
    };
    format!("{company}: the payment link we texted you works for {minutes}. Reply PAY after that for a new one.")
}

/// The answer to PAY when nothing is due (no vehicle, or all covered).
pub fn pay_nothing_due(company: &str) -> String {
    format!("{company}: nothing is due on your account right now. Thank you!")
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

    #[test]
    fn every_notice_and_pay_answer_fits_two_gsm7_segments() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 12).unwrap();
        let support = "(800) 555-0100 ext. 12345";
        let vehicles = [
            vehicle_label("2019 Toyota Camry"),
            vehicle_label(&"W".repeat(200)),
            vehicle_label("Citroën C3 • 🚗 «long» description"),
        ];
        let cards = [
            card_label("visa", "4242"),
            card_label("american_express", "0005"),
            card_label("diners", "0004"),
        ];
        for company in companies() {
            for amount in amounts() {
                for vehicle in &vehicles {
                    assert_fits(&payment_reminder(&company, vehicle, amount, date));
                    assert_fits(&payment_reminder_call(
                        &company, vehicle, amount, date, support,
                    ));
                    for card in &cards {
                        assert_fits(&autopay_upcoming(&company, amount, card, date, vehicle));
                        assert_fits(&autopay_declined(&company, amount, card, vehicle));
                    }
                }
            }
            for base in bases() {
                for card in &cards {
                    assert_fits(&card_expiring(
                        &company,
                        card,
                        12,
                        2030,
                        &my_account_url(&base),
                    ));
                }
            }
            assert_fits(&pay_unknown_phone(&company, support));
            assert_fits(&pay_not_accepted(&company, support));
            assert_fits(&pay_rate_limited(&company, support));
            assert_fits(&pay_link_still_live(&company, 1440));
            assert_fits(&pay_nothing_due(&company));
        }
    }

    #[test]
    fn notices_name_the_card_without_bullets_and_the_date_shortly() {
        let text = autopay_upcoming(
            "Monitoring Services",
            Cents(10_284),
            &card_label("visa", "4242"),
            NaiveDate::from_ymd_opt(2026, 12, 12).unwrap(),
            &vehicle_label("2019 Toyota Camry"),
        );
        assert_eq!(
            text,
            "Monitoring Services: Auto Pay will charge $102.84 to Visa ending 4242 on Dec 12 for your 2019 Toyota Camry's monitoring."
        );
        assert_eq!(vehicle_label("Mazda • CX-5\n"), "Mazda CX-5");
        assert_eq!(vehicle_label("🚗"), "vehicle");
        assert_eq!(card_label("weird", "42x42"), "Card ending 4242");
    }
}
