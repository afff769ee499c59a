//! Why a text message failed, in words staff can act on. The provider's error
//! code (Twilio's `ErrorCode`, https://www.twilio.com/docs/api/errors) is kept
//! as it came; the reason is one of a bounded set, so it can label a metric
//! and drive what PLUS Web tells the agent to do next.

use serde::Serialize;
use utoipa::ToSchema;

/// Why a text was not delivered. The stable machine value is the snake_case
/// name; it is also the `reason` label of the `sms_failed` metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SmsFailureReason {
    /// Twilio 21211: the `To` number is not a valid phone number.
    InvalidNumber,
    /// Twilio 21610: the recipient replied STOP to our number (opted out).
    OptedOut,
    /// Twilio 21614 (not a mobile number) and 30006 (landline or
    /// unreachable carrier): the number cannot receive texts.
    NotMobile,
    /// Twilio 30003: the phone is off, out of coverage or cannot take texts now.
    Unreachable,
    /// Twilio 30004: the recipient or their carrier blocks our messages.
    Blocked,
    /// Twilio 30005: the number does not exist or is no longer in service.
    UnknownDestination,
    /// Twilio 30007: the carrier filtered the message (spam or content rules).
    CarrierFiltered,
    /// Twilio 30008: the carrier reported an error without saying which.
    CarrierUnknownError,
    /// Twilio 30034 (10-digit number not registered for US A2P 10DLC) and
    /// 30032 (toll-free number not verified): US carriers refuse our texts.
    UnregisteredSender,
    /// Twilio 20003, 21212, 21606, 21659: our Twilio account or sender is
    /// not set up to send this message (credentials, `From` number).
    SenderMisconfigured,
    /// Twilio 30036: the message waited in Twilio's queue for longer than its
    /// `ValidityPeriod` (the time left on the link) and was dropped.
    ValidityExpired,
    /// Ours: the link had expired before the text could be handed to the
    /// provider, so it was not sent.
    LinkExpired,
    /// Ours: the link was revoked (by staff, or replaced by Resend) or paid
    /// before its text could be handed to the provider, so it was not sent.
    LinkClosed,
    /// Ours: the provider could not be reached (timeouts, 5xx, rate limits)
    /// in all of the outbox's attempts.
    ProviderUnavailable,
    /// Anything else, the provider's code (if any) kept beside it.
    Other,
}

impl SmsFailureReason {
    /// Every reason, in a fixed order.
    pub const ALL: [SmsFailureReason; 15] = [
        SmsFailureReason::InvalidNumber,
        SmsFailureReason::OptedOut,
        SmsFailureReason::NotMobile,
        SmsFailureReason::Unreachable,
        SmsFailureReason::Blocked,
        SmsFailureReason::UnknownDestination,
        SmsFailureReason::CarrierFiltered,
        SmsFailureReason::CarrierUnknownError,
        SmsFailureReason::UnregisteredSender,
        SmsFailureReason::SenderMisconfigured,
        SmsFailureReason::ValidityExpired,
        SmsFailureReason::LinkExpired,
        SmsFailureReason::LinkClosed,
        SmsFailureReason::ProviderUnavailable,
        SmsFailureReason::Other,
    ];

    /// The reason for a Twilio error code (`None`: Twilio gave none). The one
    /// place Twilio's codes are interpreted; the meanings are Twilio's error
    /// dictionary's (https://www.twilio.com/docs/api/errors/<code>).
    pub fn from_twilio_code(code: Option<i64>) -> SmsFailureReason {
        match code {
            Some(21211) => SmsFailureReason::InvalidNumber,
            Some(21610) => SmsFailureReason::OptedOut,
            Some(21614 | 30006) => SmsFailureReason::NotMobile,
            Some(30003) => SmsFailureReason::Unreachable,
            Some(30004) => SmsFailureReason::Blocked,
            Some(30005) => SmsFailureReason::UnknownDestination,
            Some(30007) => SmsFailureReason::CarrierFiltered,
            Some(30008) => SmsFailureReason::CarrierUnknownError,
            Some(30032 | 30034) => SmsFailureReason::UnregisteredSender,
            Some(20003 | 21212 | 21606 | 21659) => SmsFailureReason::SenderMisconfigured,
            Some(30036) => SmsFailureReason::ValidityExpired,
            Some(_) | None => SmsFailureReason::Other,
        }
    }

    /// The stable machine value (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            SmsFailureReason::InvalidNumber => "invalid_number",
            SmsFailureReason::OptedOut => "opted_out",
            SmsFailureReason::NotMobile => "not_mobile",
            SmsFailureReason::Unreachable => "unreachable",
            SmsFailureReason::Blocked => "blocked",
            SmsFailureReason::UnknownDestination => "unknown_destination",
            SmsFailureReason::CarrierFiltered => "carrier_filtered",
            SmsFailureReason::CarrierUnknownError => "carrier_unknown_error",
            SmsFailureReason::UnregisteredSender => "unregistered_sender",
            SmsFailureReason::SenderMisconfigured => "sender_misconfigured",
            SmsFailureReason::ValidityExpired => "validity_expired",
            SmsFailureReason::LinkExpired => "link_expired",
            SmsFailureReason::LinkClosed => "link_closed",
            SmsFailureReason::ProviderUnavailable => "provider_unavailable",
            SmsFailureReason::Other => "other",
        }
    }

    /// The reason stored as `value`; `Other` for a value this version does not
    /// know (so a metric label stays within the known set).
    pub fn parse(value: &str) -> SmsFailureReason {
        SmsFailureReason::ALL
            .into_iter()
            .find(|r| r.as_str() == value)
            .unwrap_or(SmsFailureReason::Other)
    }

    /// What happened, for staff.
    pub fn description(self) -> &'static str {
        match self {
            SmsFailureReason::InvalidNumber => "The number is not a valid phone number.",
            SmsFailureReason::OptedOut => {
                "The number has opted out of texts from us (the client replied STOP)."
            }
            SmsFailureReason::NotMobile => {
                "The number is a landline or another number that cannot receive texts."
            }
            SmsFailureReason::Unreachable => {
                "The phone could not be reached: it may be off or out of coverage."
            }
            SmsFailureReason::Blocked => "The client's phone or carrier blocked the text.",
            SmsFailureReason::UnknownDestination => {
                "The number does not exist or is no longer in service."
            }
            SmsFailureReason::CarrierFiltered => {
                "The client's carrier filtered the text as unwanted."
            }
            SmsFailureReason::CarrierUnknownError => {
                "The client's carrier refused the text without saying why."
            }
            SmsFailureReason::UnregisteredSender => {
                "Our texting number is not registered with US carriers (A2P 10DLC or toll-free verification)."
            }
            SmsFailureReason::SenderMisconfigured => {
                "Our texting account is not set up to send this message."
            }
            SmsFailureReason::ValidityExpired => {
                "The text waited at the SMS provider until the link would have expired, so it was dropped."
            }
            SmsFailureReason::LinkExpired => {
                "The link expired before the text could be sent, so it was not sent."
            }
            SmsFailureReason::LinkClosed => {
                "The link was revoked, replaced or paid before the text could be sent, so it was not sent."
            }
            SmsFailureReason::ProviderUnavailable => {
                "The SMS provider could not be reached, after several tries."
            }
            SmsFailureReason::Other => "The text could not be delivered.",
        }
    }

    /// What the agent can do about it.
    pub fn next_step(self) -> &'static str {
        match self {
            SmsFailureReason::InvalidNumber => {
                "Check the number with the client, then send the link again."
            }
            SmsFailureReason::OptedOut => {
                "Ask the client to text START to our number and resend, or call them."
            }
            SmsFailureReason::NotMobile => "Send the link to a mobile number instead.",
            SmsFailureReason::Unreachable => "Resend the link later, or call the client.",
            SmsFailureReason::Blocked => "Ask the client to allow texts from us, or call them.",
            SmsFailureReason::UnknownDestination => {
                "Confirm the number with the client and send to a number in service."
            }
            SmsFailureReason::CarrierFiltered
            | SmsFailureReason::UnregisteredSender
            | SmsFailureReason::SenderMisconfigured => {
                "Call the client to take the payment, and tell your administrator."
            }
            SmsFailureReason::CarrierUnknownError
            | SmsFailureReason::ValidityExpired
            | SmsFailureReason::LinkExpired => "Resend the link.",
            SmsFailureReason::ProviderUnavailable => {
                "Resend the link; if it fails again, call the client and tell your administrator."
            }
            SmsFailureReason::LinkClosed => "Nothing to do: the newest link is the one to use.",
            SmsFailureReason::Other => "Check the number and resend the link, or call the client.",
        }
    }
}

/// A failed text: why, and the provider's own error code when it gave one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SmsFailure {
    pub reason: SmsFailureReason,
    /// Twilio's `ErrorCode` (e.g. 21610), as reported.
    pub provider_code: Option<i64>,
}

impl SmsFailure {
    /// A failure Twilio reported with `code` (on the create request's error
    /// answer or on a status callback).
    pub fn from_twilio(code: Option<i64>) -> SmsFailure {
        SmsFailure {
            reason: SmsFailureReason::from_twilio_code(code),
            provider_code: code,
        }
    }

    /// A failure of ours, with no provider code.
    pub fn ours(reason: SmsFailureReason) -> SmsFailure {
        SmsFailure {
            reason,
            provider_code: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilio_codes_map_to_reasons_staff_can_act_on() {
        for (code, reason) in [
            (21211, SmsFailureReason::InvalidNumber),
            (21610, SmsFailureReason::OptedOut),
            (21614, SmsFailureReason::NotMobile),
            (30003, SmsFailureReason::Unreachable),
            (30004, SmsFailureReason::Blocked),
            (30005, SmsFailureReason::UnknownDestination),
            (30006, SmsFailureReason::NotMobile),
            (30007, SmsFailureReason::CarrierFiltered),
            (30008, SmsFailureReason::CarrierUnknownError),
            (30034, SmsFailureReason::UnregisteredSender),
            (30032, SmsFailureReason::UnregisteredSender),
            (30036, SmsFailureReason::ValidityExpired),
            (20003, SmsFailureReason::SenderMisconfigured),
            (12345, SmsFailureReason::Other),
        ] {
            assert_eq!(
                SmsFailureReason::from_twilio_code(Some(code)),
                reason,
                "{code}"
            );
        }
        assert_eq!(
            SmsFailureReason::from_twilio_code(None),
            SmsFailureReason::Other
        );
        let opted_out = SmsFailure::from_twilio(Some(21610));
        assert_eq!(opted_out.provider_code, Some(21610));
        assert!(opted_out.reason.next_step().contains("START"));
    }

    #[test]
    fn reasons_round_trip_and_unknown_values_are_other() {
        for reason in SmsFailureReason::ALL {
            assert_eq!(SmsFailureReason::parse(reason.as_str()), reason);
            assert_eq!(
                serde_json::to_value(reason).unwrap(),
                serde_json::Value::from(reason.as_str())
            );
            assert!(!reason.description().is_empty() && !reason.next_step().is_empty());
        }
        assert_eq!(
            SmsFailureReason::parse("from_a_newer_version"),
            SmsFailureReason::Other
        );
    }
}
