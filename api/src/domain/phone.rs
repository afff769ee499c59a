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

    pub fn parse(input: &str) -> Result<PhoneNumber, InvalidPhone> {
        let trimmed = input.trim();
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

    /// `(•••) •••-1234`: enough for staff and logs to recognise the number
    /// without writing it out.
    pub fn masked(&self) -> String {
        let last4 = &self.0[self.0.len().saturating_sub(4)..];
        format!("(•••) •••-{last4}")
    }
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
    fn masking_keeps_only_the_last_four_digits() {
        assert_eq!(
            PhoneNumber::parse("5125550123").unwrap().masked(),
            "(•••) •••-0123"
        );
    }
}
