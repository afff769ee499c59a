//! A local fake of Twilio's Messages resource that behaves as Twilio documents
//! it, so a test fails when the app sends what real Twilio would refuse:
//!
//! - basic auth with the account SID and auth token, else `401` code 20003;
//! - `To` required (21604); `From` or `MessagingServiceSid` required (21603:
//!   "A 'From' or 'MessagingServiceSid' parameter is required", either or
//!   both); a `MessagingServiceSid` that is not `MG` + 32 hex digits is 21705;
//! - `Body` required (21602) and at most 1,600 characters (21617);
//! - `ValidityPeriod`, when sent, an integer from 1 to 36000 (21624);
//! - a created message answers `201` with its `sid` (`SM…`) and status
//!   `queued`, or `accepted` when a Messaging Service picks the sender.
//!
//! Errors are Twilio's JSON: `{"code", "message", "more_info", "status"}`.
//! (https://www.twilio.com/docs/messaging/api/message-resource and
//! https://www.twilio.com/docs/api/errors/<code>.) A test can make the fake
//! refuse a number with a code, as Twilio does for an opted-out or landline
//! number, and can post Twilio's signed status callbacks to the app.

use super::TestApp;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha1::Sha1;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The fake's account: a well-formed SID and a token.
pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000123";
pub const AUTH_TOKEN: &str = "twilio-test-token";
/// A well-formed Messaging Service SID.
pub const MESSAGING_SERVICE_SID: &str = "MG0000000000000000000000000000abcd";
/// The sending number.
pub const FROM: &str = "+15125550000";
/// The public base URL the apps under test use (Twilio signs callbacks with it).
pub const PUBLIC_BASE_URL: &str = "https://pay.example.com";

/// One form posted to the Messages resource, in order.
pub type Form = Vec<(String, String)>;

/// A message the fake created.
#[derive(Clone, Debug)]
pub struct Created {
    pub sid: String,
    pub form: Form,
}

impl Created {
    /// The value of form field `name`, if sent.
    pub fn field(&self, name: &str) -> Option<&str> {
        field(&self.form, name)
    }
}

fn field<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[derive(Default)]
struct State {
    created: Vec<Created>,
    /// `To` numbers the fake refuses, with Twilio's error code.
    refusals: HashMap<String, i64>,
}

/// Twilio's Messages resource, on a local port.
pub struct TwilioFake {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

struct Messages(Arc<Mutex<State>>);

fn problem(status: u16, code: i64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status,
    }))
}

impl Respond for Messages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"));
        let authorized = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(format!("Basic {credentials}").as_str());
        if !authorized {
            return problem(401, 20003, "Authenticate");
        }
        let Ok(form) = serde_urlencoded::from_bytes::<Form>(&request.body) else {
            return problem(400, 21602, "Message body is required.");
        };
        let Some(to) = field(&form, "To") else {
            return problem(400, 21604, "A 'To' phone number is required.");
        };
        let service = field(&form, "MessagingServiceSid");
        if field(&form, "From").is_none() && service.is_none() {
            return problem(
                400,
                21603,
                "A 'From' or 'MessagingServiceSid' parameter is required to send a message.",
            );
        }
        if let Some(sid) = service {
            let well_formed = sid.len() == 34
                && sid.starts_with("MG")
                && sid[2..].bytes().all(|b| b.is_ascii_hexdigit());
            if !well_formed {
                return problem(400, 21705, "The Messaging Service is invalid.");
            }
        }
        let body = field(&form, "Body").unwrap_or_default();
        if body.is_empty() {
            return problem(400, 21602, "Message body is required.");
        }
        if body.chars().count() > 1600 {
            return problem(
                400,
                21617,
                "The concatenated message body exceeds the 1600 character limit.",
            );
        }
        if let Some(validity) = field(&form, "ValidityPeriod") {
            if !validity
                .parse::<i64>()
                .is_ok_and(|v| (1..=36_000).contains(&v))
            {
                return problem(400, 21624, "Invalid validity period value.");
            }
        }
        let mut state = self.0.lock().expect("Twilio fake state");
        if let Some(code) = state.refusals.get(to).copied() {
            return problem(400, code, "Refused by the test's script.");
        }
        let sid = format!("SM{:032x}", state.created.len() + 1);
        state.created.push(Created {
            sid: sid.clone(),
            form: form.clone(),
        });
        ResponseTemplate::new(201).set_body_json(json!({
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": to,
            "from": field(&form, "From"),
            "messaging_service_sid": service,
            "body": body,
            "status": if service.is_some() { "accepted" } else { "queued" },
            "error_code": null,
        }))
    }
}

impl TwilioFake {
    pub async fn start() -> TwilioFake {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(wiremock::matchers::method("POST"))
            .and(wiremock::matchers::path(format!(
                "/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
            )))
            .respond_with(Messages(state.clone()))
            .mount(&server)
            .await;
        TwilioFake { server, state }
    }

    /// Where the fake listens (Twilio's `https://api.twilio.com`).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The settings of an app that texts through this fake from `FROM`.
    pub fn app_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SMS_SENDER", "twilio".into()),
            ("TWILIO_ACCOUNT_SID", ACCOUNT_SID.into()),
            ("TWILIO_AUTH_TOKEN", AUTH_TOKEN.into()),
            ("TWILIO_FROM", FROM.into()),
            ("TWILIO_API_BASE", self.uri()),
            ("PUBLIC_BASE_URL", PUBLIC_BASE_URL.into()),
        ]
    }

    /// An app that texts through this fake, with `extra` settings on top
    /// (an empty value removes a setting).
    pub async fn app(&self, extra: &[(&'static str, &str)]) -> TestApp {
        let mut vars: HashMap<&str, String> = self.app_vars().into_iter().collect();
        vars.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let vars: Vec<(&str, &str)> = vars
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        super::spawn_app_with(&vars).await
    }

    /// From now on, messages to `to` (E.164) are refused with Twilio's `code`.
    pub fn refuse(&self, to: &str, code: i64) {
        self.state
            .lock()
            .expect("Twilio fake state")
            .refusals
            .insert(to.to_owned(), code);
    }

    /// The messages created so far, in order.
    pub fn created(&self) -> Vec<Created> {
        self.state
            .lock()
            .expect("Twilio fake state")
            .created
            .clone()
    }

    /// Requests the fake received, accepted or not.
    pub async fn requests(&self) -> usize {
        self.server
            .received_requests()
            .await
            .map_or(0, |requests| requests.len())
    }

    /// Posts Twilio's status callback for `message` to `app` (at the
    /// `StatusCallback` the message was created with, signed as Twilio signs
    /// it), with `ErrorCode` when given; returns the app's HTTP status.
    pub async fn report(
        &self,
        app: &TestApp,
        message: &Created,
        status: &str,
        error_code: Option<i64>,
    ) -> u16 {
        let callback = message
            .field("StatusCallback")
            .expect("the message asked for status callbacks");
        let mut fields: Vec<(&str, String)> = vec![
            ("MessageSid", message.sid.clone()),
            ("SmsSid", message.sid.clone()),
            ("AccountSid", ACCOUNT_SID.into()),
            ("To", message.field("To").unwrap_or_default().into()),
            ("From", message.field("From").unwrap_or(FROM).into()),
            ("MessageStatus", status.into()),
            ("SmsStatus", status.into()),
            ("ApiVersion", "2010-04-01".into()),
        ];
        if let Some(service) = message.field("MessagingServiceSid") {
            fields.push(("MessagingServiceSid", service.into()));
        }
        if let Some(code) = error_code {
            fields.push(("ErrorCode", code.to_string()));
        }
        let signature = sign(callback, &fields);
        let path = callback
            .strip_prefix(PUBLIC_BASE_URL)
            .expect("the callback is on the app's public base URL");
        app.http
            .post(app.url(path))
            .header("x-twilio-signature", signature)
            .form(&fields)
            .send()
            .await
            .expect("POST status callback")
            .status()
            .as_u16()
    }
}

/// Twilio's request signature: base64 of the HMAC-SHA1, keyed with the auth
/// token, of the URL followed by each field's name and value, sorted by name.
pub fn sign(url: &str, fields: &[(&str, String)]) -> String {
    let mut sorted = fields.to_vec();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(AUTH_TOKEN.as_bytes()).expect("hmac key");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Twilio's inbound message webhook of the app.
pub const INBOUND: &str = "/api/v1/webhooks/twilio/inbound";

/// Posts Twilio's inbound message request (`From` texted `body`), signed as
/// Twilio signs it (or with `signature` instead); returns status and body.
pub async fn text_us(
    app: &TestApp,
    from: &str,
    body: &str,
    signature: Option<&str>,
) -> (u16, String) {
    let fields: Vec<(&str, String)> = vec![
        ("MessageSid", "SM00000000000000000000000000000001".into()),
        ("AccountSid", ACCOUNT_SID.into()),
        ("From", from.into()),
        ("To", FROM.into()),
        ("Body", body.into()),
        ("NumMedia", "0".into()),
        ("ApiVersion", "2010-04-01".into()),
    ];
    let signed = sign(&format!("{}{INBOUND}", PUBLIC_BASE_URL), &fields);
    let answer = app
        .http
        .post(app.url(INBOUND))
        .header("x-twilio-signature", signature.unwrap_or(&signed))
        .form(&fields)
        .send()
        .await
        .expect("POST inbound message");
    let status = answer.status().as_u16();
    (status, answer.text().await.unwrap_or_default())
}
