//! Twilio: messages are created by posting `To`, `From` (or
//! `MessagingServiceSid`), `Body`, `StatusCallback` and `ValidityPeriod` form
//! fields to the Messages resource with basic auth (account SID and auth
//! token). Twilio reports delivery by posting a form to the status callback,
//! signed with `X-Twilio-Signature`: base64 of the HMAC-SHA1, keyed with the
//! auth token, of the callback URL followed by every form field's name and
//! value sorted by name.
//!
//! `ValidityPeriod` is a parameter of the message itself in Twilio's API
//! reference (https://www.twilio.com/docs/messaging/api/message-resource:
//! "The maximum length in seconds that the Message can remain in Twilio's
//! outgoing message queue … Accepted values are integers from 1 to 36000"),
//! with no Messaging Service required; a Messaging Service only adds a default
//! of its own. So it is sent on both paths, `From` and `MessagingServiceSid`.
//! It bounds Twilio's queue only: once a carrier has the message, Twilio
//! cannot guarantee when the phone gets it (the link's own expiry still holds).
//!
//! Twilio has no idempotency key for messages: a request whose answer is lost
//! (timeout) is retried, and the person may then get the message twice. A
//! duplicate SMS is the lesser harm next to a link that never arrives.

use super::{SmsError, SmsMessage, SmsReceipt, SmsSender, SmsStatus};
use async_trait::async_trait;
use base64::Engine;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha1::Sha1;
use std::time::Duration;

/// Who texts are sent from. Twilio takes `From`, `MessagingServiceSid` or
/// both (error 21603 when neither); we send exactly one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TwilioSenderId {
    /// `From`: one of our Twilio numbers, in E.164 (`TWILIO_FROM`).
    From(String),
    /// `MessagingServiceSid` (`TWILIO_MESSAGING_SERVICE_SID`): Twilio picks the
    /// number from the service's sender pool. The shape US A2P 10DLC needs:
    /// the campaign is registered on the Messaging Service.
    MessagingService(String),
}

impl TwilioSenderId {
    /// `TWILIO_FROM`: `+`, then 8 to 15 digits, the first not 0 (E.164).
    pub fn from_number(number: &str) -> Result<TwilioSenderId, String> {
        let digits = number.strip_prefix('+').unwrap_or_default();
        let valid = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if valid {
            Ok(TwilioSenderId::From(number.to_owned()))
        } else {
            Err(format!(
                "expected one of our Twilio numbers in E.164 form such as +15125550100, got {number:?}"
            ))
        }
    }

    /// `TWILIO_MESSAGING_SERVICE_SID`: `MG` and 32 hexadecimal digits.
    pub fn messaging_service(sid: &str) -> Result<TwilioSenderId, String> {
        if is_sid(sid, "MG") {
            Ok(TwilioSenderId::MessagingService(sid.to_owned()))
        } else {
            Err(format!(
                "expected a Messaging Service SID: MG and 32 hexadecimal digits, got {sid:?}"
            ))
        }
    }

    /// The form field and value that name the sender.
    fn field(&self) -> (&'static str, &str) {
        match self {
            TwilioSenderId::From(number) => ("From", number),
            TwilioSenderId::MessagingService(sid) => ("MessagingServiceSid", sid),
        }
    }
}

/// Whether `sid` is a Twilio SID of the kind `prefix` names (`AC` account,
/// `MG` Messaging Service, …): the prefix and 32 hexadecimal digits.
pub fn is_sid(sid: &str, prefix: &str) -> bool {
    sid.strip_prefix(prefix)
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A client of Twilio's Messages resource. `Debug` shows the token redacted.
#[derive(Debug)]
pub struct TwilioSender {
    http: reqwest::Client,
    messages_url: String,
    account_sid: String,
    auth_token: SecretString,
    sender: TwilioSenderId,
}

#[derive(Deserialize)]
struct Created {
    sid: String,
    status: String,
}

/// Twilio's error answer: `{"code": 21211, "message": …, "more_info": …, "status": 400}`.
#[derive(Deserialize)]
struct TwilioProblem {
    code: Option<i64>,
    message: Option<String>,
}

impl TwilioSender {
    /// A sender posting to `api_base` (`https://api.twilio.com` in production).
    ///
    /// # Panics
    /// At start-up, if the TLS backend cannot be initialised.
    pub fn new(
        api_base: &str,
        account_sid: String,
        auth_token: SecretString,
        sender: TwilioSenderId,
        timeout: Duration,
    ) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .expect("the HTTP client's TLS backend initialises");
        TwilioSender {
            http,
            messages_url: format!(
                "{}/2010-04-01/Accounts/{account_sid}/Messages.json",
                api_base.trim_end_matches('/')
            ),
            account_sid,
            auth_token,
            sender,
        }
    }
}

#[async_trait]
impl SmsSender for TwilioSender {
    fn name(&self) -> &'static str {
        "twilio"
    }

    async fn send(&self, message: &SmsMessage<'_>) -> Result<SmsReceipt, SmsError> {
        let validity = message.validity.map(|v| v.seconds().to_string());
        let mut form = vec![
            ("To", message.to),
            self.sender.field(),
            ("Body", message.body),
        ];
        if let Some(callback) = message.status_callback {
            form.push(("StatusCallback", callback));
        }
        if let Some(validity) = &validity {
            form.push(("ValidityPeriod", validity));
        }
        // Errors are described without the request (its body holds the link).
        let response = self
            .http
            .post(&self.messages_url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .form(&form)
            .send()
            .await
            .map_err(|e| SmsError::Retryable(format!("Twilio unreachable: {}", e.without_url())))?;
        let status = response.status();
        let body = response.bytes().await.unwrap_or_default();
        if status.is_success() {
            let created: Created = serde_json::from_slice(&body)
                .map_err(|_| SmsError::Retryable(format!("unreadable Twilio answer ({status})")))?;
            return Ok(SmsReceipt {
                provider_id: created.sid,
                status: message_status(&created.status).unwrap_or(SmsStatus::Sent),
            });
        }
        let problem: Option<TwilioProblem> = serde_json::from_slice(&body).ok();
        let described = match &problem {
            Some(p) => format!(
                "Twilio {status}: {} (code {})",
                p.message.as_deref().unwrap_or("no message"),
                p.code.unwrap_or_default()
            ),
            None => format!("Twilio {status}"),
        };
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            Err(SmsError::Retryable(described))
        } else {
            Err(SmsError::Permanent {
                error: described,
                provider_code: problem.and_then(|p| p.code),
            })
        }
    }
}

/// Our status for a Twilio `MessageStatus`; `None` for steps we do not track
/// (queued, accepted, scheduled, sending).
pub fn message_status(twilio: &str) -> Option<SmsStatus> {
    match twilio {
        "sent" => Some(SmsStatus::Sent),
        "delivered" | "read" => Some(SmsStatus::Delivered),
        "undelivered" | "failed" | "canceled" => Some(SmsStatus::Failed),
        _ => None,
    }
}

/// Whether `signature` is Twilio's signature of a form posted to `url`.
pub fn signature_is_valid(
    url: &str,
    form: &[(String, String)],
    auth_token: &str,
    signature: &str,
) -> bool {
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(signature) else {
        return false;
    };
    let mut fields: Vec<&(String, String)> = form.iter().collect();
    fields.sort();
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        return false;
    };
    mac.update(url.as_bytes());
    for (name, value) in fields {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac.verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    const TOKEN: &str = "twilio-auth-token";
    const AT: &str = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json";

    const SERVICE: &str = "MG0123456789abcdef0123456789abcdef";

    async fn answering(response: ResponseTemplate) -> (MockServer, TwilioSender) {
        answering_as(response, TwilioSenderId::From("+15125550000".into())).await
    }

    async fn answering_as(
        response: ResponseTemplate,
        sender: TwilioSenderId,
    ) -> (MockServer, TwilioSender) {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(AT))
            .respond_with(response)
            .mount(&server)
            .await;
        let sender = TwilioSender::new(
            &server.uri(),
            SID.into(),
            SecretString::from(TOKEN),
            sender,
            Duration::from_millis(300),
        );
        (server, sender)
    }

    fn message() -> SmsMessage<'static> {
        SmsMessage {
            to: "+15125550143",
            body: "Pay here: https://pay.example/my-account/pay#secret",
            status_callback: Some("https://pay.example/api/v1/webhooks/twilio/status"),
            validity: None,
        }
    }

    fn created() -> ResponseTemplate {
        ResponseTemplate::new(201)
            .set_body_json(serde_json::json!({"sid": "SM1", "status": "queued"}))
    }

    /// The form of the one request `server` received, sorted by field name.
    async fn posted_form(server: &MockServer) -> Vec<(String, String)> {
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1);
        let mut form: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&requests[0].body).unwrap();
        form.sort();
        form
    }

    #[tokio::test]
    async fn a_messaging_service_sends_instead_of_a_from_number_with_the_validity() {
        let (server, sender) =
            answering_as(created(), TwilioSenderId::MessagingService(SERVICE.into())).await;
        let now = chrono::Utc::now();
        let message = SmsMessage {
            validity: super::super::ValidityPeriod::until(
                now + chrono::Duration::seconds(540),
                now,
            ),
            ..message()
        };
        sender.send(&message).await.unwrap();
        let form = posted_form(&server).await;
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(field("MessagingServiceSid"), Some(SERVICE));
        assert_eq!(
            field("From"),
            None,
            "exactly one of From and MessagingServiceSid"
        );
        assert_eq!(field("ValidityPeriod"), Some("540"));
    }

    #[tokio::test]
    async fn a_from_number_sends_the_validity_too() {
        let (server, sender) = answering(created()).await;
        let now = chrono::Utc::now();
        let message = SmsMessage {
            validity: super::super::ValidityPeriod::until(
                now + chrono::Duration::seconds(600),
                now,
            ),
            ..message()
        };
        sender.send(&message).await.unwrap();
        let form = posted_form(&server).await;
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(field("From"), Some("+15125550000"));
        assert_eq!(field("MessagingServiceSid"), None);
        assert_eq!(field("ValidityPeriod"), Some("600"));
    }

    #[test]
    fn sender_settings_are_checked_for_twilios_formats() {
        assert!(TwilioSenderId::from_number("+15125550100").is_ok());
        for bad in [
            "15125550100",
            "+1 512 555 0100",
            "+0123456789",
            "+1234567",
            "MG1",
        ] {
            assert!(TwilioSenderId::from_number(bad).is_err(), "{bad}");
        }
        assert!(TwilioSenderId::messaging_service(SERVICE).is_ok());
        for bad in [
            "MG123",
            "PN0123456789abcdef0123456789abcdef",
            "MG0123456789abcdef0123456789abcdeg",
        ] {
            assert!(TwilioSenderId::messaging_service(bad).is_err(), "{bad}");
        }
        assert!(is_sid(SID, "AC"));
        assert!(!is_sid("AC123", "AC"));
    }

    #[tokio::test]
    async fn a_message_is_posted_as_a_form_with_basic_auth() {
        let (server, sender) = answering(
            ResponseTemplate::new(201)
                .set_body_json(serde_json::json!({"sid": "SM1", "status": "queued"})),
        )
        .await;
        let receipt = sender.send(&message()).await.unwrap();
        assert_eq!(
            receipt,
            SmsReceipt {
                provider_id: "SM1".into(),
                status: SmsStatus::Sent
            }
        );

        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1);
        let request = &requests[0];
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"));
        assert_eq!(
            request
                .headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap(),
            format!("Basic {credentials}")
        );
        assert_eq!(
            request
                .headers
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap(),
            "application/x-www-form-urlencoded"
        );
        let mut form: Vec<(String, String)> = serde_urlencoded::from_bytes(&request.body).unwrap();
        form.sort();
        assert_eq!(
            form,
            vec![
                ("Body".into(), message().body.into()),
                ("From".into(), "+15125550000".into()),
                (
                    "StatusCallback".into(),
                    "https://pay.example/api/v1/webhooks/twilio/status".into()
                ),
                ("To".into(), "+15125550143".into()),
            ]
        );
    }

    #[tokio::test]
    async fn an_invalid_number_is_permanent_and_the_error_carries_no_message_body() {
        let (_server, sender) = answering(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400
        })))
        .await;
        let Err(SmsError::Permanent {
            error,
            provider_code,
        }) = sender.send(&message()).await
        else {
            panic!("expected a permanent failure")
        };
        assert_eq!(provider_code, Some(21211), "the code is kept for staff");
        assert!(error.contains("21211"), "{error}");
        assert!(!error.contains("secret"), "{error}");
    }

    #[tokio::test]
    async fn bad_credentials_are_permanent() {
        let (_server, sender) =
            answering(ResponseTemplate::new(401).set_body_json(serde_json::json!({
                "code": 20003, "message": "Authenticate", "status": 401
            })))
            .await;
        assert!(matches!(
            sender.send(&message()).await,
            Err(SmsError::Permanent {
                provider_code: Some(20003),
                ..
            })
        ));
    }

    #[tokio::test]
    async fn server_errors_rate_limits_and_timeouts_are_retried() {
        for response in [
            ResponseTemplate::new(503),
            ResponseTemplate::new(429),
            ResponseTemplate::new(201).set_delay(Duration::from_secs(2)),
        ] {
            let (_server, sender) = answering(response).await;
            let Err(SmsError::Retryable(error)) = sender.send(&message()).await else {
                panic!("expected a retryable failure")
            };
            assert!(
                !error.contains("secret") && !error.contains(TOKEN),
                "{error}"
            );
        }
    }

    #[test]
    fn twilio_statuses_map_to_ours() {
        assert_eq!(message_status("delivered"), Some(SmsStatus::Delivered));
        assert_eq!(message_status("undelivered"), Some(SmsStatus::Failed));
        assert_eq!(message_status("failed"), Some(SmsStatus::Failed));
        assert_eq!(message_status("sent"), Some(SmsStatus::Sent));
        assert_eq!(message_status("sending"), None);
    }

    /// The example from Twilio's security documentation.
    #[test]
    fn signatures_are_checked_as_twilio_computes_them() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let form: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
        let token = "12345";
        assert!(signature_is_valid(
            url,
            &form,
            token,
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
        assert!(!signature_is_valid(
            url,
            &form,
            "other",
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
        assert!(!signature_is_valid(
            url,
            &form[1..],
            token,
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
        assert!(!signature_is_valid(url, &form, token, "not base64!"));
    }

    #[test]
    fn the_debug_form_hides_the_token() {
        let sender = TwilioSender::new(
            "http://x",
            SID.into(),
            SecretString::from(TOKEN),
            TwilioSenderId::From("+15125550000".into()),
            Duration::from_secs(1),
        );
        assert!(!format!("{sender:?}").contains(TOKEN));
    }
}
