//! Phone numbers: parsed to E.164 once, and checked to be numbers we text.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A phone number in E.164 form (`+15125550123`). US and Canadian numbers
/// may be typed without `+1` and with the usual punctuation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

/// In the spec, one component `PhoneNumber` that every phone field refers to.
impl utoipa::PartialSchema for PhoneNumber {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A phone number. Answers give it in E.164 (`+15125550123`); requests may also give a US \
                 or Canadian number without `+1` and with the usual punctuation (`(512) 555-0123`).",
            ))
            .examples(["+15125550123"])
            .into()
    }
}

impl utoipa::ToSchema for PhoneNumber {
    fn name() -> std::borrow::Cow<'static, str> {
        "PhoneNumber".into()
    }
}

/// Why a string is not a phone number we can text.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a valid phone number: use a 10-digit US number or +country code and number")]
pub struct InvalidPhone;

/// Why a valid number is not one we text (premium-rate, toll-free, service
/// codes, or a country not configured).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("payment links go to US and Canadian mobile or landline numbers only; not premium-rate, toll-free, service or Caribbean numbers")]
pub struct NotTextable;

/// North American area codes a payment link never goes to (source: NANPA,
/// "Area Codes by Type" and "NANP countries"): non-geographic codes —
/// toll-free, premium-rate 900, personal and machine services (5XX), Canadian
/// services (600, 622–688), 700, 710 (US government), 456, 880–882 — and the
/// other NANP countries, which share `+1` but are international, premium-rate
/// destinations (SMS pumping): the Caribbean and Bermuda. US territories
/// (Puerto Rico, USVI, Guam, CNMI, American Samoa) are allowed.
const NOT_US_OR_CANADA_GEOGRAPHIC: &[&str] = &[
    // Toll-free and premium.
    "800", "833", "844", "855", "866", "877", "888", "900",
    // Personal, machine and other services.
    "500", "521", "522", "523", "524", "525", "533", "544", "566", "577", "588", "700", "710",
    "456", "880", "881", "882", // Canadian non-geographic.
    "600", "622", "633", "644", "655", "677", "688", // Other NANP countries.
    "242", "246", "264", "268", "284", "345", "441", "473", "649", "658", "664", "721", "758",
    "767", "784", "809", "829", "849", "868", "869", "876",
];

impl PhoneNumber {
    /// Whether a payment link may be texted here: a geographic US or Canadian
    /// number, or a number under one of `other_country_codes` (E.164 calling
    /// codes without `+`, from `SMS_OTHER_COUNTRY_CODES`).
    pub fn check_textable(&self, other_country_codes: &[String]) -> Result<(), NotTextable> {
        if let Some(national) = self.0.strip_prefix("+1") {
            let (area, exchange) = (&national[..3], &national[3..6]);
            let n11 = area.ends_with("11");
            // Exchange 976 is premium-rate in every area code.
            return if n11 || exchange == "976" || NOT_US_OR_CANADA_GEOGRAPHIC.contains(&area) {
                Err(NotTextable)
            } else {
                Ok(())
            };
        }
        let digits = &self.0[1..];
        if other_country_codes
            .iter()
            .any(|code| !code.is_empty() && digits.starts_with(code.as_str()))
        {
            Ok(())
        } else {
            Err(NotTextable)
        }
    }

    /// Parses what a person typed or pasted. The text is first read through
    /// [`normalize_pasted`], so the dashes, spaces, invisible marks and
    /// fullwidth digits that web pages and contacts apps put in a number are
    /// read as the ASCII punctuation and digits they stand for; anything else
    /// that is not a digit, `+`, space, `-`, `(`, `)` or `.` is refused.
    pub fn parse(input: &str) -> Result<PhoneNumber, InvalidPhone> {
        let normalized = normalize_pasted(input);
        let trimmed = normalized.trim();
        let international = trimmed.starts_with('+');
        let body = trimmed.strip_prefix('+').unwrap_or(trimmed);
        if !body
            .chars()
            .all(|c| c.is_ascii_digit() || " -().".contains(c))
        {
            return Err(InvalidPhone);
        }
        let digits: String = body.chars().filter(char::is_ascii_digit).collect();
        let e164 = match (international, digits.len()) {
            (false, 10) => format!("+1{digits}"),
            (false, 11) if digits.starts_with('1') => format!("+{digits}"),
            (true, 8..=15) if !digits.starts_with('0') => format!("+{digits}"),
            _ => return Err(InvalidPhone),
        };
        // North American numbers: area code and exchange never start with 0 or 1.
        if let Some(national) = e164.strip_prefix("+1") {
            let bytes = national.as_bytes();
            if bytes.len() != 10 || bytes[0] < b'2' || bytes[3] < b'2' {
                return Err(InvalidPhone);
            }
        }
        Ok(PhoneNumber(e164))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as people write it: `(737) 555-0199` for a North American
    /// number, the E.164 form (`+447700900123`) for any other. For staff and
    /// the client's own history, never for a payer's page.
    pub fn display(&self) -> String {
        match self.0.strip_prefix("+1") {
            Some(n) if n.len() == 10 => format!("({}) {}-{}", &n[..3], &n[3..6], &n[6..]),
            _ => self.0.clone(),
        }
    }

    /// `(•••) •••-1234`: enough for staff and logs to recognise the number
    /// without writing it out.
    pub fn masked(&self) -> String {
        let last4 = &self.0[self.0.len().saturating_sub(4)..];
        format!("(•••) •••-{last4}")
    }
}

/// Decimal digit blocks read as ASCII digits: each entry is the code point of
/// that script's zero (Unicode `Nd`, digits 0–9 contiguous). ASCII, Arabic-Indic,
/// Extended Arabic-Indic (Persian, Urdu), Devanagari and fullwidth digits are
/// the ones phones and contacts apps produce.
const DIGIT_ZEROS: &[u32] = &[0x0660, 0x06F0, 0x0966, 0xFF10];

/// What a pasted phone number looks like once the Unicode a web page or a
/// contacts app adds is read as plain ASCII:
///
/// - every dash (Unicode category `Pd`, e.g. U+2011 non-breaking hyphen, U+2013
///   en dash, U+2014 em dash), U+2212 minus and U+2012 figure dash becomes `-`;
/// - every space (Unicode `White_Space`, e.g. U+00A0 no-break space, U+202F
///   narrow no-break space, U+2009 thin space, U+3000 ideographic space) becomes
///   a space;
/// - zero-width and bidirectional marks (U+200B–U+200F, U+202A–U+202E,
///   U+2060–U+2064, U+2066–U+2069, U+061C, U+FEFF, U+00AD soft hyphen) are
///   dropped: contacts apps wrap numbers in them (`\u{202A}+1 512…\u{202C}`);
/// - fullwidth `＋（）．` and fullwidth, Arabic-Indic and Devanagari digits
///   become their ASCII forms.
///
/// Everything else is kept as it is, so a letter or a symbol still makes the
/// number invalid. Pure and total: used by [`PhoneNumber::parse`] and by the
/// client search's phone digits.
pub fn normalize_pasted(input: &str) -> String {
    input
        .chars()
        .filter_map(|c| match c {
            '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}' => None,
            '\u{058A}'
            | '\u{05BE}'
            | '\u{1400}'
            | '\u{1806}'
            | '\u{2010}'..='\u{2015}'
            | '\u{2043}'
            | '\u{2212}'
            | '\u{2E17}'
            | '\u{2E1A}'
            | '\u{2E3A}'
            | '\u{2E3B}'
            | '\u{2E40}'
            | '\u{301C}'
            | '\u{3030}'
            | '\u{30A0}'
            | '\u{FE31}'
            | '\u{FE32}'
            | '\u{FE58}'
            | '\u{FE63}'
            | '\u{FF0D}' => Some('-'),
            '\u{FF0B}' => Some('+'),
            '\u{FF08}' => Some('('),
            '\u{FF09}' => Some(')'),
            '\u{FF0E}' => Some('.'),
            c if c.is_whitespace() => Some(' '),
            c => Some(ascii_digit(c).unwrap_or(c)),
        })
        .collect()
}

/// The ASCII digit a decimal digit of one of [`DIGIT_ZEROS`]' scripts stands for.
fn ascii_digit(c: char) -> Option<char> {
    let code = u32::from(c);
    DIGIT_ZEROS
        .iter()
        .find(|zero| (**zero..**zero + 10).contains(&code))
        .and_then(|zero| char::from_digit(code - zero, 10))
}

impl TryFrom<String> for PhoneNumber {
    type Error = InvalidPhone;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> String {
        phone.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_display_as_people_write_them() {
        let shown = |n: &str| PhoneNumber::parse(n).unwrap().display();
        assert_eq!(shown("+17375550199"), "(737) 555-0199");
        assert_eq!(shown("512 555 0143"), "(512) 555-0143");
        assert_eq!(shown("+447700900123"), "+447700900123");
    }

    #[test]
    fn links_go_to_geographic_north_american_numbers_and_configured_countries_only() {
        let textable = |n: &str, others: &[&str]| {
            let others: Vec<String> = others.iter().map(|s| s.to_string()).collect();
            PhoneNumber::parse(n).unwrap().check_textable(&others)
        };
        for ok in [
            "5125550143",
            "+1 (416) 555-0199",
            "+1 915 555 0100",
            "+1 787 555 0100",
        ] {
            assert_eq!(textable(ok, &[]), Ok(()), "{ok}");
        }
        for premium in [
            "+1 900 555 0100",
            "8005550100",
            "+1 888 555 0100",
            "+1 411 555 0100",
            "+1 512 976 0100",
        ] {
            assert_eq!(textable(premium, &[]), Err(NotTextable), "{premium}");
        }
        assert_eq!(textable("+882 1234 5678", &[]), Err(NotTextable));
        assert_eq!(textable("+52 55 1234 5678", &[]), Err(NotTextable));
        assert_eq!(textable("+52 55 1234 5678", &["52"]), Ok(()));
        assert_eq!(textable("+882 1234 5678", &["52"]), Err(NotTextable));
    }

    #[test]
    fn us_numbers_are_accepted_with_or_without_country_code_and_punctuation() {
        for input in [
            "5125550123",
            "(512) 555-0123",
            "512.555.0123",
            "1-512-555-0123",
            "+1 512 555 0123",
            " 512 555 0123 ",
        ] {
            assert_eq!(
                PhoneNumber::parse(input).unwrap().as_str(),
                "+15125550123",
                "{input}"
            );
        }
    }

    #[test]
    fn international_numbers_need_a_plus() {
        assert_eq!(
            PhoneNumber::parse("+44 20 7946 0958").unwrap().as_str(),
            "+442079460958"
        );
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for input in [
            "",
            "555-0123",
            "51255501234",
            "abc5125550123",
            "+0123456789",
            "0125550123",
            "5120550123",
            "+1234",
            "512555012x",
        ] {
            assert_eq!(PhoneNumber::parse(input), Err(InvalidPhone), "{input}");
        }
    }

    #[test]
    fn numbers_pasted_with_unicode_dashes_spaces_and_marks_are_the_same_number() {
        for input in [
            "512\u{2011}555\u{2011}0143",
            "512\u{2013}555\u{2013}0143",
            "512\u{00A0}555\u{00A0}0143",
            "\u{202A}+1\u{00A0}512\u{2010}555\u{2010}0143\u{202C}",
            "\u{200E}(512)\u{202F}555\u{2012}0143\u{200B}",
            "\u{FF15}\u{FF11}\u{FF12}\u{FF0D}\u{FF15}\u{FF15}\u{FF15}\u{FF0D}\u{FF10}\u{FF11}\u{FF14}\u{FF13}",
            "\u{FF0B}1\u{3000}\u{FF08}512\u{FF09}555\u{2212}0143",
            "\u{FEFF}512\u{2014}555\u{2014}0143\u{2069}",
            "\u{0665}\u{0661}\u{0662}\u{0665}\u{0665}\u{0665}\u{0660}\u{0661}\u{0664}\u{0663}",
        ] {
            assert_eq!(
                PhoneNumber::parse(input).map(|p| p.0),
                Ok("+15125550143".to_string()),
                "{input:?}"
            );
        }
    }

    #[test]
    fn unicode_that_is_not_a_phone_number_is_still_refused() {
        for input in [
            "512\u{2011}555\u{2011}014\u{2022}",
            "512\u{00A0}555\u{00A0}O143",
            "\u{00B9}512555014\u{00B3}",
            "512\u{2011}555\u{2011}01\u{2463}3",
            "\u{200B}",
            "\u{2013}\u{2013}\u{2013}",
            "\u{FF15}\u{FF11}\u{FF12}",
            "512/555/0143",
        ] {
            assert_eq!(PhoneNumber::parse(input), Err(InvalidPhone), "{input:?}");
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Separators people paste between digit groups.
        const SEPARATORS: &[&str] = &[
            "",
            " ",
            "-",
            ".",
            "\u{00A0}",
            "\u{2011}",
            "\u{2013}",
            "\u{2014}",
            "\u{2010}",
            "\u{2212}",
            "\u{202F}",
            "\u{2009}",
            "\u{3000}",
            "\u{200B}",
            "\u{200E}",
            "\u{FEFF}",
            "\u{00A0}-\u{00A0}",
            "\u{FF0D}",
        ];

        fn fullwidth(digits: &str) -> String {
            digits
                .chars()
                .map(|c| char::from_u32(0xFF10 + c.to_digit(10).unwrap_or(0)).unwrap_or(c))
                .collect()
        }

        proptest! {
            /// A valid number written with any pasted separators, in ASCII or
            /// fullwidth digits, wrapped in bidi marks or not, is that number.
            #[test]
            fn any_pasted_form_of_a_number_parses_to_it(
                area in 200u32..1000, exchange in 200u32..1000, line in 0u32..10_000,
                seps in proptest::collection::vec(0..SEPARATORS.len(), 3),
                wide in any::<bool>(), bidi in any::<bool>(),
            ) {
                let (area, exchange, line) =
                    (format!("{area:03}"), format!("{exchange:03}"), format!("{line:04}"));
                let digits = |s: &str| if wide { fullwidth(s) } else { s.to_string() };
                let mut input = format!(
                    "{}{}{}{}{}{}",
                    SEPARATORS[seps[0]], digits(&area), SEPARATORS[seps[1]],
                    digits(&exchange), SEPARATORS[seps[2]], digits(&line)
                );
                if bidi {
                    input = format!("\u{202A}{input}\u{202C}");
                }
                prop_assert_eq!(
                    PhoneNumber::parse(&input).map(|p| p.0),
                    Ok(format!("+1{area}{exchange}{line}"))
                );
            }

            /// Normalising never changes a number that was already plain ASCII.
            #[test]
            fn normalising_keeps_plain_ascii_as_it_is(input in "[ -~]{0,24}") {
                prop_assert_eq!(normalize_pasted(&input), input);
            }

            /// A letter anywhere in the text makes it no phone number.
            #[test]
            fn a_letter_anywhere_is_refused(
                digits in "[2-9][0-9]{2}[2-9][0-9]{6}",
                at in 0usize..11, letter in "[a-zA-Z\u{00C0}-\u{017F}]",
            ) {
                let mut input = digits.clone();
                input.insert_str(at.min(input.len()), &letter);
                prop_assert_eq!(PhoneNumber::parse(&input), Err(InvalidPhone));
            }
        }
    }

    #[test]
    fn masking_keeps_only_the_last_four_digits() {
        assert_eq!(
            PhoneNumber::parse("5125550123").unwrap().masked(),
            "(•••) •••-0123"
        );
    }
}
