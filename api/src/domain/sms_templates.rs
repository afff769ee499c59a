//! Every text message the product sends, in one place, in each client's
//! language ([`Language`]: issue 19, item 6). Every template takes the
//! language first and has words in both; a template without Spanish does not
//! compile (the `match` on the language is exhaustive).
//!
//! Each template keeps within [`MAX_SEGMENTS`] segments with the longest
//! values the settings allow (`COMPANY_NAME_MAX_SEPTETS`,
//! `PUBLIC_BASE_URL_MAX_SEPTETS`): the tests below compute the segments of
//! every template in both languages. Only GSM-7 characters go into a template
//! (no `•`, no curly quotes, and in Spanish no `á`, `í`, `ó`, `ú`: GSM 03.38
//! has `é`, `ñ`, `ü`, `¿` and `¡`, not those): one other character turns the
//! whole text into UCS-2, at 70 characters a segment (67 when concatenated)
//! instead of 160 (153), and a link's URL alone would then take three. The
//! Spanish wording is chosen so that correct spelling needs none of them
//! ("ya puede pagar", not "está listo").
//!
//! Money and dates, for each language ([`amount_words`], [`date_words`]):
//! amounts are US dollars written as in the United States in both languages
//! (`$1,234.56`: US Spanish keeps the point and the comma, as `Intl` does for
//! `es-US`); a date is `Dec 12` in English and `12 de dic.` in Spanish.

use super::{Cents, Language};
use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};

/// Segments a template may take (each billed as one message).
pub const MAX_SEGMENTS: usize = 2;

/// An amount as a text writes it, in either language: `$1,234.56` (US
/// Spanish writes dollars as US English does).
pub fn amount_words(_language: Language, amount: Cents) -> String {
    amount.to_string()
}

/// A business date (the location's local day) as a text writes it: `Dec 12`
/// in English, `12 de dic.` in Spanish (the abbreviations of `Intl`'s
/// `es-US`, with the period of written Spanish; May is `mayo` in full).
pub fn date_words(language: Language, date: NaiveDate) -> String {
    let month = date.month0() as usize;
    match language {
        Language::En => date.format("%b %-d").to_string(),
        Language::Es => {
            const MONTHS: [&str; 12] = [
                "ene.", "feb.", "mar.", "abr.", "mayo", "jun.", "jul.", "ago.", "sept.", "oct.",
                "nov.", "dic.",
            ];
            format!(
                "{} de {}",
                date.day(),
                MONTHS.get(month).copied().unwrap_or_default()
            )
        }
    }
}

/// Where My Account opens a receipt: the reference goes after `#`, so it never
/// reaches a server log or a Referer header (`frontend-myaccount`'s
/// `/my-account/receipt#<reference>`).
pub fn receipt_url(public_base_url: &str, reference: &str) -> String {
    format!("{public_base_url}/my-account/receipt#{reference}")
}

/// The text carrying a payment link, with the link's time to live in minutes
/// (rounded up).
pub fn payment_link(
    language: Language,
    company: &str,
    amount: Cents,
    url: &str,
    ttl_seconds: i64,
) -> String {
    let minutes = minutes_words(language, ttl_seconds);
    let amount = amount_words(language, amount);
    match language {
        Language::En => format!(
            "{company}: your payment of {amount} is ready. Pay securely within {minutes}: {url}"
        ),
        Language::Es => format!(
            "{company}: ya puede pagar {amount}. Tiene {minutes} para pagar de forma segura: {url}"
        ),
    }
}

/// A link's time to live as a text says it, in whole minutes rounded up:
/// `1 minute`, `10 minutes` / `1 minuto`, `10 minutos`.
fn minutes_words(language: Language, ttl_seconds: i64) -> String {
    let minutes = (ttl_seconds + 59) / 60;
    match (language, minutes) {
        (Language::En, 1) => "1 minute".to_owned(),
        (Language::En, n) => format!("{n} minutes"),
        (Language::Es, 1) => "1 minuto".to_owned(),
        (Language::Es, n) => format!("{n} minutos"),
    }
}

/// The text carrying a payment link to someone who pays for the client (a
/// relative, an employer: the link went to a phone that is not the
/// client's), with the client's short name from [`name_label`] and the
/// link's time to live in minutes (rounded up). It names whose account the
/// request is for and leaves the amount to the pay page: "your payment"
/// would be wrong for this reader, and the name and the amount together
/// would not fit two segments at their longest.
pub fn payment_request_for(
    language: Language,
    company: &str,
    client: &str,
    url: &str,
    ttl_seconds: i64,
) -> String {
    let minutes = minutes_words(language, ttl_seconds);
    match language {
        Language::En => format!("{company}: Payment request for {client}'s monitoring account. Pay securely within {minutes}: {url}"),
        Language::Es => format!("{company}: solicitud de pago de la cuenta de {client}; pague de forma segura en {minutes}: {url}"),
    }
}

/// Longest client name a text carries, in characters (GSM-7 septets).
pub const NAME_LABEL_MAX: usize = 20;

/// A client's short name ("Dana W.") as a text may carry it: only characters
/// of the GSM-7 default alphabet, at most [`NAME_LABEL_MAX`] of them; "a
/// client" / "un cliente" when none is left.
pub fn name_label(language: Language, short_name: &str) -> String {
    match (gsm7_words(short_name, NAME_LABEL_MAX).as_str(), language) {
        ("", Language::En) => "a client".to_owned(),
        ("", Language::Es) => "un cliente".to_owned(),
        (label, _) => label.to_owned(),
    }
}

/// `text` kept to the characters of one septet in the GSM-7 default alphabet
/// (one other would turn the whole SMS into UCS-2), its whitespace collapsed,
/// cut to at most `max` characters, without trailing space ("" when none is
/// left).
fn gsm7_words(text: &str, max: usize) -> String {
    let kept: String = text
        .chars()
        .filter(|c| super::sms_text::gsm7_septets(*c) == Some(1) && !c.is_control())
        .collect();
    let words: String = kept
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect();
    words.trim_end().to_owned()
}

/// The receipt text sent after a payment succeeded, to the payer and, when
/// someone else paid, to the client. `url` carries the receipt reference
/// ([`receipt_url`]): the body is sealed in the outbox like a link's.
pub fn receipt(language: Language, company: &str, amount: Cents, url: &str) -> String {
    let amount = amount_words(language, amount);
    match language {
        Language::En => {
            format!("{company}: payment of {amount} received. Thank you! Your receipt: {url}")
        }
        Language::Es => {
            format!("{company}: recibimos su pago de {amount}. ¡Gracias! Su recibo: {url}")
        }
    }
}

/// The answer to HELP: who is texting and how to reach support. The
/// keywords stay STOP and START in Spanish too (the carriers' and Twilio's
/// opt-out words).
pub fn help(language: Language, company: &str, support_phone: &str) -> String {
    match language {
        Language::En => format!("{company}: payment links and receipts. Help: call {support_phone}. Reply STOP to opt out, START to opt back in."),
        Language::Es => format!("{company}: enlaces de pago y recibos. Ayuda: llame al {support_phone}. Responda STOP para dejar de recibir mensajes o START para volver a recibirlos."),
    }
}

/// Characters of a vehicle's description a text carries at most.
pub const VEHICLE_LABEL_MAX: usize = 30;

/// A vehicle's description as a text may carry it: only characters of the
/// GSM-7 default alphabet (one other would turn the whole text into UCS-2),
/// at most [`VEHICLE_LABEL_MAX`] of them; "vehicle" when none is left.
pub fn vehicle_label(description: &str) -> String {
    match gsm7_words(description, VEHICLE_LABEL_MAX).as_str() {
        "" => "vehicle".to_owned(),
        label => label.to_owned(),
    }
}

/// A card as texts name it: "Visa ending 4242" / "Visa terminada en 4242"
/// (never `•`, which is not GSM-7). Client Log lines use `Language::En`.
pub fn card_label(language: Language, brand: &str, last4: &str) -> String {
    let brand = match brand.to_ascii_lowercase().as_str() {
        "visa" => "Visa",
        "mastercard" => "Mastercard",
        "amex" | "american_express" => "American Express",
        "discover" => "Discover",
        "diners" => "Diners Club",
        "jcb" => "JCB",
        "unionpay" => "UnionPay",
        _ => match language {
            Language::En => "Card",
            Language::Es => "Tarjeta",
        },
    };
    let last4: String = last4.chars().filter(char::is_ascii_digit).take(4).collect();
    match language {
        Language::En => format!("{brand} ending {last4}"),
        Language::Es => format!("{brand} terminada en {last4}"),
    }
}

/// Where a client manages their cards: My Account.
pub fn my_account_url(public_base_url: &str) -> String {
    format!("{public_base_url}/my-account/")
}

/// The payment reminder (issue 19, item 4) for a client not on Auto Pay:
/// what is due, by when (the location's business day), and how to get a
/// link by reply.
pub fn payment_reminder(
    language: Language,
    company: &str,
    vehicle: &str,
    amount: Cents,
    due_by: NaiveDate,
) -> String {
    let by = date_words(language, due_by);
    let amount = amount_words(language, amount);
    match language {
        Language::En => format!("{company}: monitoring for your {vehicle} is paid through {by}. {amount} is due by {by}. Reply PAY for a secure payment link."),
        Language::Es => format!("{company}: el monitoreo de su {vehicle} vence el {by}. Pague {amount} antes de esa fecha. Responda PAY para recibir un enlace de pago seguro."),
    }
}

/// The payment reminder where the location takes no payments online: the
/// way to pay is a call.
pub fn payment_reminder_call(
    language: Language,
    company: &str,
    vehicle: &str,
    amount: Cents,
    due_by: NaiveDate,
    support_phone: &str,
) -> String {
    let by = date_words(language, due_by);
    let amount = amount_words(language, amount);
    match language {
        Language::En => format!("{company}: monitoring for your {vehicle} is paid through {by}. {amount} is due by {by}. Call {support_phone} to pay."),
        Language::Es => format!("{company}: el monitoreo de su {vehicle} vence el {by}. Pague {amount} antes de esa fecha llamando al {support_phone}."),
    }
}

/// The time of day as a text says it: `10:30 AM` / `10:30 a. m.`.
pub fn time_words(language: Language, time: NaiveTime) -> String {
    match language {
        Language::En => time.format("%-I:%M %p").to_string(),
        Language::Es => {
            let suffix = if time.hour() < 12 { "a. m." } else { "p. m." };
            format!("{} {suffix}", time.format("%-I:%M"))
        }
    }
}

/// The reminder of a service appointment the vehicle's monitoring must be
/// paid before (issue 19, item 4; the description's "make payments prior to
/// their next service appointment"): when, what, and how to pay: reply PAY
/// for a link, or, where the location takes no payments online
/// (`call: Some(support_phone)`), a call. `day` and `time` are the
/// location's (the appointment's business day and local time).
pub fn appointment_reminder(
    language: Language,
    company: &str,
    vehicle: &str,
    amount: Cents,
    (day, time): (NaiveDate, NaiveTime),
    call: Option<&str>,
) -> String {
    let on = date_words(language, day);
    let at = time_words(language, time);
    let amount = amount_words(language, amount);
    match (language, call) {
        (Language::En, None) => format!("{company}: your {vehicle} has a service appointment on {on} at {at}. Pay {amount} before it so you don't pay at the service center. Reply PAY for a secure payment link."),
        (Language::En, Some(phone)) => format!("{company}: your {vehicle} has a service appointment on {on} at {at}. Pay {amount} before it so you don't pay at the service center. Call {phone} to pay."),
        (Language::Es, None) => format!("{company}: su {vehicle} tiene cita de servicio el {on} a las {at}. Pague {amount} antes de la cita para no pagar en el centro de servicio. Responda PAY para recibir un enlace de pago seguro."),
        (Language::Es, Some(phone)) => format!("{company}: su {vehicle} tiene cita de servicio el {on} a las {at}. Pague {amount} antes de la cita para no pagar en el centro de servicio. Llame al {phone} para pagar."),
    }
}

/// The notice of an Auto Pay charge to come (issue 19, item 3); `card` from
/// [`card_label`] in the same language.
pub fn autopay_upcoming(
    language: Language,
    company: &str,
    amount: Cents,
    card: &str,
    on: NaiveDate,
    vehicle: &str,
) -> String {
    let on = date_words(language, on);
    let amount = amount_words(language, amount);
    match language {
        Language::En => format!("{company}: Auto Pay will charge {amount} to {card} on {on} for your {vehicle}'s monitoring."),
        Language::Es => format!("{company}: el {on} Auto Pay va a cobrar {amount} a su {card} por el monitoreo de su {vehicle}."),
    }
}

/// The notice of a declined Auto Pay charge: what happened and how to pay.
pub fn autopay_declined(
    language: Language,
    company: &str,
    amount: Cents,
    card: &str,
    vehicle: &str,
) -> String {
    let amount = amount_words(language, amount);
    match language {
        Language::En => format!("{company}: Auto Pay could not charge {amount} to {card} for your {vehicle}: the card was declined. Reply PAY for a secure payment link, or update your card in My Account."),
        Language::Es => format!("{company}: Auto Pay no pudo cobrar {amount} a su {card} por su {vehicle}: la tarjeta fue rechazada. Responda PAY para recibir un enlace de pago seguro o cambie su tarjeta en My Account."),
    }
}

/// The reminder that the Auto Pay card expires (`12/2026`).
pub fn card_expiring(
    language: Language,
    company: &str,
    card: &str,
    exp_month: i64,
    exp_year: i64,
    url: &str,
) -> String {
    match language {
        Language::En => format!("{company}: your Auto Pay card, {card}, expires {exp_month:02}/{exp_year}. Update it in My Account so Auto Pay keeps working: {url}"),
        Language::Es => format!("{company}: su tarjeta de Auto Pay, {card}, vence en {exp_month:02}/{exp_year}. Cambie la tarjeta en My Account para que Auto Pay siga funcionando: {url}"),
    }
}

/// The answer to PAY from a phone no client has.
pub fn pay_unknown_phone(language: Language, company: &str, support_phone: &str) -> String {
    match language {
        Language::En => format!("{company}: we could not find an account for this number. Call {support_phone} to pay."),
        Language::Es => format!("{company}: no encontramos una cuenta para este teléfono. Llame al {support_phone} para pagar."),
    }
}

/// The answer to PAY when the client's location takes no payments online.
pub fn pay_not_accepted(language: Language, company: &str, support_phone: &str) -> String {
    match language {
        Language::En => format!("{company}: payments by text are not available for your account. Call {support_phone} to pay."),
        Language::Es => format!("{company}: su cuenta no admite pagos por mensaje de texto. Llame al {support_phone} para pagar."),
    }
}

/// The answer to PAY beyond the client's daily number of links.
pub fn pay_rate_limited(language: Language, company: &str, support_phone: &str) -> String {
    match language {
        Language::En => format!("{company}: too many payment links were requested today. Call {support_phone} to pay."),
        Language::Es => format!("{company}: se pidieron demasiados enlaces de pago hoy. Llame al {support_phone} para pagar."),
    }
}

/// The answer to PAY while the link sent for it is still good
/// (`minutes` left, rounded up).
pub fn pay_link_still_live(language: Language, company: &str, minutes: i64) -> String {
    match language {
        Language::En => {
            let minutes = if minutes == 1 {
                "1 more minute".to_owned()
            } else {
                format!("{minutes} more minutes")
            };
            format!("{company}: the payment link we texted you works for {minutes}. Reply PAY after that for a new one.")
        }
        Language::Es => {
            let minutes = if minutes == 1 {
                "1 minuto".to_owned()
            } else {
                format!("{minutes} minutos")
            };
            format!("{company}: el enlace de pago que le enviamos vence en {minutes}. Responda PAY después para recibir otro.")
        }
    }
}

/// The answer to PAY when nothing is due (no vehicle, or all covered).
pub fn pay_nothing_due(language: Language, company: &str) -> String {
    match language {
        Language::En => format!("{company}: nothing is due on your account right now. Thank you!"),
        Language::Es => {
            format!("{company}: no tiene nada pendiente de pago en este momento. ¡Gracias!")
        }
    }
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

    /// Up to the largest amount there is (`$92,233,720,368,547,758.07`).
    fn amounts() -> Vec<Cents> {
        vec![
            Cents(4_500),
            Cents(17_649),
            Cents(99_999_999),
            Cents(i64::MAX),
        ]
    }

    /// Client names as texts carry them: usual, the longest, and ones with
    /// characters outside GSM-7.
    fn names(language: Language) -> Vec<String> {
        vec![
            name_label(language, "Dana W."),
            name_label(language, &format!("{} W.", "Maximiliana".repeat(4))),
            name_label(language, "Zoë Ó."),
            name_label(language, "李 王."),
        ]
    }

    /// The longest support number start-up lets through.
    const SUPPORT: &str = "(800) 555-0100 ext. 12345";

    /// Every template, in `language`, with every combination of the values
    /// above: what is texted, at its longest.
    fn every_text(language: Language) -> Vec<String> {
        let mut texts = Vec::new();
        for company in companies() {
            texts.push(help(language, &company, SUPPORT));
            for base in bases() {
                for amount in amounts() {
                    let token = LinkToken::generate();
                    let link = format!("{base}/my-account/pay#{}", token.expose());
                    for ttl in [60, 600, 86_400] {
                        texts.push(payment_link(language, &company, amount, &link, ttl));
                        for name in names(language) {
                            texts.push(payment_request_for(language, &company, &name, &link, ttl));
                        }
                    }
                    let reference = ReceiptReference::generate();
                    let url = receipt_url(&base, reference.expose());
                    texts.push(receipt(language, &company, amount, &url));
                }
            }
        }
        texts
    }

    #[test]
    fn every_template_in_both_languages_fits_two_segments_at_its_longest() {
        for language in Language::ALL {
            let texts = every_text(language);
            assert!(texts.len() > 40);
            for text in texts {
                // Counted as sent: GSM-7 septets, or UCS-2 code units at 70/67
                // a segment when one character is outside GSM-7.
                let length = sms_length(&text);
                assert!(
                    length.segments <= MAX_SEGMENTS,
                    "{language}: {} segments ({:?}, {} units): {text}",
                    length.segments,
                    length.encoding,
                    length.units
                );
            }
        }
    }

    #[test]
    fn spanish_texts_stay_in_gsm7_and_would_not_fit_as_ucs2() {
        for language in Language::ALL {
            for text in every_text(language) {
                assert_eq!(sms_length(&text).encoding, SmsEncoding::Gsm7, "{text}");
            }
        }
        // Why the Spanish wording avoids á, í, ó and ú: one of them makes the
        // whole link text UCS-2, and then a usual link takes three segments.
        let link = format!(
            "https://pay.example.com/my-account/pay#{}",
            LinkToken::generate().expose()
        );
        let usual = payment_link(
            Language::Es,
            "Monitoring Services",
            Cents(17_649),
            &link,
            600,
        );
        assert_eq!(sms_length(&usual).segments, 2, "{usual}");
        let accented = usual.replace("ya puede pagar", "ya está listo su pago de");
        let length = sms_length(&accented);
        assert_eq!(length.encoding, SmsEncoding::Ucs2);
        assert_eq!(length.segments, 3, "{accented}");
    }

    #[test]
    fn a_receipt_text_carries_its_reference_after_the_hash() {
        let url = receipt_url("https://pay.example.com", "abc");
        assert_eq!(
            receipt(Language::En, "Monitoring Services", Cents(17_649), &url),
            "Monitoring Services: payment of $176.49 received. Thank you! Your receipt: https://pay.example.com/my-account/receipt#abc"
        );
        assert_eq!(
            receipt(Language::Es, "Monitoring Services", Cents(17_649), &url),
            "Monitoring Services: recibimos su pago de $176.49. ¡Gracias! Su recibo: https://pay.example.com/my-account/receipt#abc"
        );
    }

    #[test]
    fn each_template_has_its_own_words_in_spanish() {
        let link = "https://pay.example.com/my-account/pay#t";
        assert_eq!(
            payment_link(Language::Es, "Acme", Cents(9_500), link, 600),
            "Acme: ya puede pagar $95.00. Tiene 10 minutos para pagar de forma segura: https://pay.example.com/my-account/pay#t"
        );
        assert!(payment_link(Language::Es, "Acme", Cents(9_500), link, 60)
            .contains("Tiene 1 minuto para"));
        assert_eq!(
            payment_link(Language::En, "Acme", Cents(9_500), link, 600),
            "Acme: your payment of $95.00 is ready. Pay securely within 10 minutes: https://pay.example.com/my-account/pay#t"
        );
        assert!(help(Language::Es, "Acme", "(800) 555-0100")
            .starts_with("Acme: enlaces de pago y recibos. Ayuda: llame al (800) 555-0100."));
    }

    #[test]
    fn times_are_written_for_the_language() {
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(time_words(Language::En, at(9, 5)), "9:05 AM");
        assert_eq!(time_words(Language::En, at(12, 0)), "12:00 PM");
        assert_eq!(time_words(Language::Es, at(0, 30)), "12:30 a. m.");
        assert_eq!(time_words(Language::Es, at(15, 0)), "3:00 p. m.");
    }

    #[test]
    fn a_payer_who_is_not_the_client_is_asked_for_the_clients_account() {
        let link = "https://pay.example.com/my-account/pay#t";
        let dana = name_label(Language::En, "Dana W.");
        assert_eq!(
            payment_request_for(Language::En, "Acme", &dana, link, 600),
            "Acme: Payment request for Dana W.'s monitoring account. Pay securely within 10 minutes: https://pay.example.com/my-account/pay#t"
        );
        assert_eq!(
            payment_request_for(Language::Es, "Acme", &dana, link, 60),
            "Acme: solicitud de pago de la cuenta de Dana W.; pague de forma segura en 1 minuto: https://pay.example.com/my-account/pay#t"
        );
        assert_eq!(name_label(Language::En, "Zoë Ó."), "Zo .");
        assert_eq!(name_label(Language::Es, "李"), "un cliente");
        assert_eq!(
            name_label(Language::En, &"x".repeat(50)).len(),
            NAME_LABEL_MAX
        );
    }

    #[test]
    fn dates_and_amounts_are_written_for_the_language() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(date_words(Language::En, day(12, 12)), "Dec 12");
        assert_eq!(date_words(Language::Es, day(12, 12)), "12 de dic.");
        assert_eq!(date_words(Language::Es, day(5, 1)), "1 de mayo");
        assert_eq!(date_words(Language::Es, day(9, 30)), "30 de sept.");
        let months: Vec<String> = (1..=12)
            .map(|m| date_words(Language::Es, day(m, 1)))
            .collect();
        assert_eq!(
            months.join(" | "),
            "1 de ene. | 1 de feb. | 1 de mar. | 1 de abr. | 1 de mayo | 1 de jun. | 1 de jul. | 1 de ago. | 1 de sept. | 1 de oct. | 1 de nov. | 1 de dic."
        );
        for language in Language::ALL {
            assert_eq!(amount_words(language, Cents(123_456)), "$1,234.56");
            assert_eq!(
                sms_length(&date_words(language, day(9, 30))).encoding,
                SmsEncoding::Gsm7
            );
        }
    }

    /// GSM-7 and within [`MAX_SEGMENTS`].
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
    fn every_notice_and_pay_answer_fits_two_gsm7_segments_in_both_languages() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 12).unwrap();
        let support = "(800) 555-0100 ext. 12345";
        let vehicles = [
            vehicle_label("2019 Toyota Camry"),
            vehicle_label(&"W".repeat(200)),
            vehicle_label("Citroën C3 • 🚗 «long» description"),
        ];
        for language in [Language::En, Language::Es] {
            let cards = [
                card_label(language, "visa", "4242"),
                card_label(language, "american_express", "0005"),
                card_label(language, "diners", "0004"),
                card_label(language, "unknown", "0004"),
            ];
            for company in companies() {
                for amount in amounts() {
                    for vehicle in &vehicles {
                        assert_fits(&payment_reminder(language, &company, vehicle, amount, date));
                        let when = (date, NaiveTime::from_hms_opt(12, 45, 0).unwrap());
                        for call in [None, Some(support)] {
                            assert_fits(&appointment_reminder(
                                language, &company, vehicle, amount, when, call,
                            ));
                        }
                        assert_fits(&payment_reminder_call(
                            language, &company, vehicle, amount, date, support,
                        ));
                        for card in &cards {
                            assert_fits(&autopay_upcoming(
                                language, &company, amount, card, date, vehicle,
                            ));
                            assert_fits(&autopay_declined(
                                language, &company, amount, card, vehicle,
                            ));
                        }
                    }
                }
                for base in bases() {
                    for card in &cards {
                        let url = my_account_url(&base);
                        assert_fits(&card_expiring(language, &company, card, 12, 2030, &url));
                    }
                }
                assert_fits(&pay_unknown_phone(language, &company, support));
                assert_fits(&pay_not_accepted(language, &company, support));
                assert_fits(&pay_rate_limited(language, &company, support));
                assert_fits(&pay_link_still_live(language, &company, 1440));
                assert_fits(&pay_nothing_due(language, &company));
            }
        }
    }

    #[test]
    fn notices_name_the_card_without_bullets_and_the_date_shortly() {
        let camry = vehicle_label("2019 Toyota Camry");
        let dec_12 = NaiveDate::from_ymd_opt(2026, 12, 12).unwrap();
        let en = autopay_upcoming(
            Language::En,
            "Monitoring Services",
            Cents(10_284),
            &card_label(Language::En, "visa", "4242"),
            dec_12,
            &camry,
        );
        assert_eq!(
            en,
            "Monitoring Services: Auto Pay will charge $102.84 to Visa ending 4242 on Dec 12 for your 2019 Toyota Camry's monitoring."
        );
        let es = autopay_upcoming(
            Language::Es,
            "Monitoring Services",
            Cents(10_284),
            &card_label(Language::Es, "visa", "4242"),
            dec_12,
            &camry,
        );
        assert_eq!(
            es,
            "Monitoring Services: el 12 de dic. Auto Pay va a cobrar $102.84 a su Visa terminada en 4242 por el monitoreo de su 2019 Toyota Camry."
        );
        assert_eq!(sms_length(&es).encoding, SmsEncoding::Gsm7);
        assert_eq!(vehicle_label("Mazda • CX-5\n"), "Mazda CX-5");
        assert_eq!(vehicle_label("🚗"), "vehicle");
        assert_eq!(
            card_label(Language::En, "weird", "42x42"),
            "Card ending 4242"
        );
        assert_eq!(
            card_label(Language::Es, "weird", "42x42"),
            "Tarjeta terminada en 4242"
        );
    }
}
