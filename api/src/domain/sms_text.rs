//! How long a text message is on the air: its encoding and its number of
//! segments, by the rules of 3GPP TS 23.038 (the GSM 7-bit default alphabet
//! and its extension table, §6.2.1) and TS 23.040 (concatenated messages).
//!
//! A text that uses only the GSM 7-bit alphabet is sent in septets: 160 fit in
//! one message, and a longer text is cut into segments of 153 (the other 7
//! septets carry the concatenation header). The extension table's characters
//! (`^ { } \ [ ~ ] | €` and form feed) take two septets each (escape + code),
//! and the two are never split across segments. A text with any other
//! character is sent in UCS-2: 70 UTF-16 code units in one message, 67 per
//! segment beyond that, a surrogate pair never split. Carriers bill, and
//! Twilio counts, each segment as a message.

/// The GSM 7-bit default alphabet (3GPP TS 23.038 §6.2.1, table 6.2.1.1), in
/// code order, without the escape code 0x1B (it cannot appear in a text).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The characters of the GSM 7-bit default alphabet extension table (3GPP TS
/// 23.038 §6.2.1.1, table 6.2.1.1.1), each sent as escape + code: two septets.
const GSM7_EXTENSION: &str = "\u{0C}^{}\\[~]|€";

/// Septets in one message that stands alone.
pub const GSM7_SINGLE: usize = 160;
/// Septets per segment of a concatenated message.
pub const GSM7_PER_SEGMENT: usize = 153;
/// UTF-16 code units in one UCS-2 message that stands alone.
pub const UCS2_SINGLE: usize = 70;
/// UTF-16 code units per segment of a concatenated UCS-2 message.
pub const UCS2_PER_SEGMENT: usize = 67;

/// How a text is encoded on the air.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmsEncoding {
    /// The GSM 7-bit default alphabet and its extension table.
    Gsm7,
    /// UCS-2 (UTF-16 code units), for any text with another character.
    Ucs2,
}

/// The size of a text as sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SmsLength {
    pub encoding: SmsEncoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
    /// Messages the text is sent (and billed) as; 1 for an empty text.
    pub segments: usize,
}

/// Septets `c` takes in GSM-7 (1, or 2 from the extension table); `None`
/// when the GSM 7-bit alphabet does not have it.
pub fn gsm7_septets(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Septets of `text` in GSM-7, or `None` when it needs UCS-2.
pub fn gsm7_length(text: &str) -> Option<usize> {
    text.chars().map(gsm7_septets).sum()
}

/// The encoding, size and number of segments of `text`.
pub fn sms_length(text: &str) -> SmsLength {
    match text
        .chars()
        .map(gsm7_septets)
        .collect::<Option<Vec<usize>>>()
    {
        Some(septets) => SmsLength {
            encoding: SmsEncoding::Gsm7,
            units: septets.iter().sum(),
            segments: segments(&septets, GSM7_SINGLE, GSM7_PER_SEGMENT),
        },
        None => {
            let units: Vec<usize> = text.chars().map(char::len_utf16).collect();
            SmsLength {
                encoding: SmsEncoding::Ucs2,
                units: units.iter().sum(),
                segments: segments(&units, UCS2_SINGLE, UCS2_PER_SEGMENT),
            }
        }
    }
}

/// Segments for characters of the given widths: one when they all fit in
/// `single`, else filled `per_segment` at a time without splitting a character.
fn segments(widths: &[usize], single: usize, per_segment: usize) -> usize {
    if widths.iter().sum::<usize>() <= single {
        return 1;
    }
    let mut count = 1;
    let mut used = 0;
    for &width in widths {
        if used + width > per_segment {
            count += 1;
            used = 0;
        }
        used += width;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gsm(units: usize, segments: usize) -> SmsLength {
        SmsLength {
            encoding: SmsEncoding::Gsm7,
            units,
            segments,
        }
    }

    fn ucs2(units: usize, segments: usize) -> SmsLength {
        SmsLength {
            encoding: SmsEncoding::Ucs2,
            units,
            segments,
        }
    }

    #[test]
    fn the_basic_alphabet_has_its_128_codes_less_the_escape() {
        assert_eq!(GSM7_BASIC.chars().count(), 127);
        for c in "@£$_ÉñÑüà¿¡§ \n\r".chars() {
            assert_eq!(gsm7_septets(c), Some(1), "{c:?}");
        }
        for c in "^{}\\[~]|€".chars() {
            assert_eq!(gsm7_septets(c), Some(2), "{c:?}");
        }
        for c in "`áíóúç’“”\u{1b}😀".chars() {
            assert_eq!(gsm7_septets(c), None, "{c:?}");
        }
    }

    #[test]
    fn a_gsm7_text_fits_160_septets_in_one_message_then_153_per_segment() {
        assert_eq!(sms_length(""), gsm(0, 1));
        assert_eq!(sms_length(&"a".repeat(160)), gsm(160, 1));
        assert_eq!(sms_length(&"a".repeat(161)), gsm(161, 2));
        assert_eq!(sms_length(&"a".repeat(306)), gsm(306, 2));
        assert_eq!(sms_length(&"a".repeat(307)), gsm(307, 3));
    }

    #[test]
    fn extension_characters_take_two_septets_and_are_never_split() {
        assert_eq!(sms_length(&"€".repeat(80)), gsm(160, 1));
        assert_eq!(sms_length(&format!("{}€", "a".repeat(159))), gsm(161, 2));
        // 152 septets, then an escape sequence that does not fit in the
        // first segment's last septet: it opens the second one.
        let straddling = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(sms_length(&straddling), gsm(306, 3));
        let fitting = format!("{}€{}", "a".repeat(151), "a".repeat(153));
        assert_eq!(sms_length(&fitting), gsm(306, 2));
    }

    #[test]
    fn one_character_outside_gsm7_makes_the_whole_text_ucs2() {
        assert_eq!(sms_length(&format!("{}’", "a".repeat(69))), ucs2(70, 1));
        assert_eq!(sms_length(&format!("{}’", "a".repeat(70))), ucs2(71, 2));
        assert_eq!(sms_length(&format!("{}’", "a".repeat(133))), ucs2(134, 2));
        assert_eq!(sms_length(&format!("{}’", "a".repeat(134))), ucs2(135, 3));
        // An emoji is a surrogate pair: two code units, kept together.
        let pair = format!("{}😀{}", "a".repeat(66), "a".repeat(67));
        assert_eq!(sms_length(&pair), ucs2(135, 3));
    }

    #[test]
    fn gsm7_length_counts_septets_or_refuses() {
        assert_eq!(gsm7_length("Acme [North]"), Some(14));
        assert_eq!(gsm7_length("Señor’s"), None);
    }
}
