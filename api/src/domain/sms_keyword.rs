//! What an inbound text asks for: the opt-out keywords carriers and Twilio
//! honour (Twilio's Advanced Opt-Out defaults, CTIA's messaging principles),
//! read from the first word, in any case, with their Spanish equivalents
//! (issue 19, item 6: many clients write in Spanish; the texts we send still
//! name the English keywords, which carriers honour everywhere).

/// The request an inbound text makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmsKeyword {
    /// STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE (PARAR,
    /// ALTO, CANCELAR, BAJA): no more texts.
    Stop,
    /// START, UNSTOP, YES (SI, SÍ): texts again.
    Start,
    /// HELP, INFO (AYUDA): who we are and how to reach support.
    Help,
    /// PAY (PAGAR): a fresh secure payment link for the vehicle that is due
    /// (`services::sms_replies`).
    Pay,
    /// Anything else.
    Other,
}

impl SmsKeyword {
    /// The keyword of `body`: its first word, trimmed, in any case.
    pub fn parse(body: &str) -> SmsKeyword {
        let word = body
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_uppercase();
        match word.as_str() {
            "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" | "OPTOUT"
            | "REVOKE" | "PARAR" | "ALTO" | "CANCELAR" | "BAJA" => SmsKeyword::Stop,
            "START" | "UNSTOP" | "YES" | "SI" | "SÍ" => SmsKeyword::Start,
            "HELP" | "INFO" | "AYUDA" => SmsKeyword::Help,
            "PAY" | "PAGAR" => SmsKeyword::Pay,
            _ => SmsKeyword::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_read_from_the_first_word_in_any_case() {
        assert_eq!(SmsKeyword::parse("STOP"), SmsKeyword::Stop);
        assert_eq!(SmsKeyword::parse("  stop please"), SmsKeyword::Stop);
        assert_eq!(SmsKeyword::parse("Unsubscribe."), SmsKeyword::Stop);
        assert_eq!(SmsKeyword::parse("start"), SmsKeyword::Start);
        assert_eq!(SmsKeyword::parse("Help!"), SmsKeyword::Help);
        assert_eq!(SmsKeyword::parse("PAY"), SmsKeyword::Pay);
        assert_eq!(SmsKeyword::parse(" pay \n"), SmsKeyword::Pay);
        assert_eq!(SmsKeyword::parse("Pay."), SmsKeyword::Pay);
        assert_eq!(SmsKeyword::parse("payment"), SmsKeyword::Other);
        assert_eq!(SmsKeyword::parse("don't stop"), SmsKeyword::Other);
        assert_eq!(SmsKeyword::parse(""), SmsKeyword::Other);
    }

    #[test]
    fn spanish_keywords_mean_the_same() {
        assert_eq!(SmsKeyword::parse("Parar"), SmsKeyword::Stop);
        assert_eq!(SmsKeyword::parse("baja"), SmsKeyword::Stop);
        assert_eq!(SmsKeyword::parse("sí"), SmsKeyword::Start);
        assert_eq!(SmsKeyword::parse("Ayuda?"), SmsKeyword::Help);
        assert_eq!(SmsKeyword::parse("pagar"), SmsKeyword::Pay);
        assert_eq!(SmsKeyword::parse("Pagar."), SmsKeyword::Pay);
        // "Pago hecho" (payment made) is not a request for a link.
        assert_eq!(SmsKeyword::parse("Pago hecho"), SmsKeyword::Other);
        assert_eq!(SmsKeyword::parse("pagué"), SmsKeyword::Other);
    }
}
