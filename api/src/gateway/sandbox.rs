//! The sandbox gateway: the default for development and tests. It imitates
//! client-side tokenization with an endpoint of its own and decides outcomes by
//! the well-known test card numbers:
//!
//! | number | outcome |
//! | --- | --- |
//! | 4242 4242 4242 4242 | succeeds (Visa) |
//! | 5555 5555 5555 4444 | succeeds (Mastercard) |
//! | 4000 0000 0000 0002 | declined, `card_declined` |
//! | 4000 0000 0000 9995 | declined, `insufficient_funds` |
//! | 4000 0000 0000 0119 | charged, but the first answer times out (repeat the request, or look it up by key) |
//! | 4000 0027 6000 3184 | the bank asks the cardholder to authenticate (3-D Secure): on session, "requires action" until the sandbox bank's challenge is answered ([`SandboxGateway::authenticate`]); off session, declined `authentication_required` |
//! | 4000 0000 0000 5126 | succeeds; a refund of it fails (`refund_failed`), as Stripe's card of that number |
//!
//! Refunds of the other cards succeed; the "times out" card loses the first
//! answer to a refund too.
//! Tokens carry the test scenario and the card's display details, never the
//! number, so any API instance can charge a token another one issued. Its
//! ledger of charges lives in memory, like a real gateway's lives on its side.

use super::{
    CardDetails, ChargeOutcome, ChargeRequest, ClientSecret, GatewayError, PaymentGateway,
    PaymentSource, RefundOutcome, RefundRequest, SavedCard,
};
use crate::domain::{Captured, ChargeKey};
use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use rand::RngCore;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scenario {
    Succeeds,
    Declines,
    InsufficientFunds,
    TimesOut,
    AuthenticationRequired,
    RefundFails,
}

impl Scenario {
    fn for_number(number: &str) -> Option<Scenario> {
        match number {
            "4242424242424242" | "5555555555554444" => Some(Scenario::Succeeds),
            "4000000000000002" => Some(Scenario::Declines),
            "4000000000009995" => Some(Scenario::InsufficientFunds),
            "4000000000000119" => Some(Scenario::TimesOut),
            // Stripe's "always authenticate" test card.
            "4000002760003184" => Some(Scenario::AuthenticationRequired),
            "4000000000005126" => Some(Scenario::RefundFails),
            _ => None,
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Scenario::Succeeds => "ok",
            Scenario::Declines => "decline",
            Scenario::InsufficientFunds => "nsf",
            Scenario::TimesOut => "timeout",
            Scenario::AuthenticationRequired => "3ds",
            Scenario::RefundFails => "refundfail",
        }
    }

    fn from_tag(tag: &str) -> Option<Scenario> {
        [
            Scenario::Succeeds,
            Scenario::Declines,
            Scenario::InsufficientFunds,
            Scenario::TimesOut,
            Scenario::AuthenticationRequired,
            Scenario::RefundFails,
        ]
        .into_iter()
        .find(|s| s.tag() == tag)
    }
}

/// A card as typed into the sandbox's own card field.
#[derive(Clone)]
pub struct CardInput {
    pub number: String,
    pub exp_month: i64,
    pub exp_year: i64,
    pub cvc: String,
}

/// Why the sandbox refuses to tokenize a card; each has a stable code.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error("the card number is not valid")]
    InvalidNumber,
    #[error("the expiry date is not valid")]
    InvalidExpiry,
    #[error("the card has expired")]
    Expired,
    #[error("the security code (CVC) is not valid")]
    InvalidCvc,
    #[error("the sandbox accepts only the test card numbers listed in docs/payments.md")]
    NotATestCard,
}

impl CardError {
    pub fn code(&self) -> crate::problem::ProblemCode {
        use crate::problem::ProblemCode;
        match self {
            CardError::InvalidNumber => ProblemCode::InvalidCardNumber,
            CardError::InvalidExpiry => ProblemCode::InvalidExpiry,
            CardError::Expired => ProblemCode::ExpiredCard,
            CardError::InvalidCvc => ProblemCode::InvalidCvc,
            CardError::NotATestCard => ProblemCode::TestCardRequired,
        }
    }

    pub fn field(&self) -> &'static str {
        match self {
            CardError::InvalidNumber | CardError::NotATestCard => "number",
            CardError::InvalidExpiry | CardError::Expired => "exp_month",
            CardError::InvalidCvc => "cvc",
        }
    }
}

/// The Luhn checksum every card number satisfies.
pub fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// Card brand from the number's prefix.
pub fn brand(number: &str) -> &'static str {
    let prefix2: u32 = number.get(..2).and_then(|p| p.parse().ok()).unwrap_or(0);
    let prefix4: u32 = number.get(..4).and_then(|p| p.parse().ok()).unwrap_or(0);
    match (prefix2, prefix4) {
        (40..=49, _) => "visa",
        (51..=55, _) | (_, 2221..=2720) => "mastercard",
        (34 | 37, _) => "amex",
        (65, _) | (_, 6011) => "discover",
        _ => "unknown",
    }
}

/// Checks a typed card the way a gateway's card field does.
fn validate_card(
    input: &CardInput,
    today: NaiveDate,
) -> Result<(Scenario, CardDetails), CardError> {
    let number: String = input
        .number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    if !(12..=19).contains(&number.len())
        || !number.bytes().all(|b| b.is_ascii_digit())
        || !luhn_valid(&number)
    {
        return Err(CardError::InvalidNumber);
    }
    if !(1..=12).contains(&input.exp_month) || !(2000..=2100).contains(&input.exp_year) {
        return Err(CardError::InvalidExpiry);
    }
    if (input.exp_year, input.exp_month) < (i64::from(today.year()), i64::from(today.month())) {
        return Err(CardError::Expired);
    }
    let brand = brand(&number);
    let cvc_len = if brand == "amex" { 4 } else { 3 };
    if input.cvc.len() != cvc_len || !input.cvc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardError::InvalidCvc);
    }
    let scenario = Scenario::for_number(&number).ok_or(CardError::NotATestCard)?;
    let last4 = number[number.len() - 4..].to_owned();
    Ok((
        scenario,
        CardDetails {
            brand: brand.into(),
            last4,
            exp_month: input.exp_month,
            exp_year: input.exp_year,
        },
    ))
}

fn encode(prefix: &str, scenario: Scenario, card: &CardDetails, suffix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}_{:02}{}_{suffix}",
        scenario.tag(),
        card.brand,
        card.last4,
        card.exp_month,
        card.exp_year
    )
}

fn decode(token: &str) -> Option<(Scenario, CardDetails)> {
    let mut parts = token.split('_');
    let (_kind, _sbx) = (parts.next()?, parts.next()?);
    let scenario = Scenario::from_tag(parts.next()?)?;
    let brand = parts.next()?.to_owned();
    let last4 = parts.next()?.to_owned();
    let expiry = parts.next()?;
    let exp_month = expiry.get(..2)?.parse().ok()?;
    let exp_year = expiry.get(2..)?.parse().ok()?;
    Some((
        scenario,
        CardDetails {
            brand,
            last4,
            exp_month,
            exp_year,
        },
    ))
}

/// The sandbox's fingerprint of a card number. Its test numbers differ in
/// brand or last 4, so those two stand for the number; like Stripe's, it does
/// not change with the expiry.
fn fingerprint(card: &CardDetails) -> String {
    format!("fp_sbx_{}_{}", card.brand, card.last4)
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Default)]
pub struct SandboxGateway {
    latency: Duration,
    /// Every charge made, by idempotency key.
    ledger: Mutex<HashMap<String, ChargeOutcome>>,
    /// Every refund made, by idempotency key.
    refunds: Mutex<HashMap<String, RefundOutcome>>,
    /// The sandbox bank's 3-D Secure challenges, by charge reference.
    challenges: Mutex<HashMap<String, Challenge>>,
}

/// A charge waiting for the cardholder to answer the sandbox bank.
struct Challenge {
    idempotency_key: String,
    client_secret: ClientSecret,
    /// The outcome the charge reaches when the cardholder approves.
    approved: ChargeOutcome,
    answer: Option<ChallengeAnswer>,
}

/// How a sandbox 3-D Secure challenge ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeAnswer {
    /// The cardholder confirmed: the charge succeeds.
    Approve,
    /// The cardholder failed to confirm: declined, `authentication_failed`.
    Fail,
    /// Nobody answered and the charge was cancelled:
    /// declined, `authentication_required`.
    Cancelled,
}

/// Why the sandbox bank refuses an answer to a challenge.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    #[error("no payment waits for authentication with this client secret")]
    NotFound,
    #[error("this payment's authentication already ended")]
    AlreadyAnswered,
}

impl Challenge {
    fn outcome(&self, reference: &str) -> ChargeOutcome {
        let declined = |code: &str| ChargeOutcome::Declined {
            code: code.into(),
            reference: Some(reference.to_owned()),
        };
        match self.answer {
            None => ChargeOutcome::RequiresAction {
                reference: reference.to_owned(),
                client_secret: self.client_secret.clone(),
            },
            Some(ChallengeAnswer::Approve) => self.approved.clone(),
            Some(ChallengeAnswer::Fail) => declined("authentication_failed"),
            Some(ChallengeAnswer::Cancelled) => declined("authentication_required"),
        }
    }
}

impl SandboxGateway {
    /// A sandbox that waits `latency` before answering (for benchmarks).
    pub fn new(latency: Duration) -> SandboxGateway {
        SandboxGateway {
            latency,
            ..SandboxGateway::default()
        }
    }

    /// The cardholder's answer to the sandbox bank's challenge of the charge
    /// whose client secret is `client_secret` (what the browser's "Sandbox
    /// bank: confirm this payment" step sends; Stripe's is its own page in
    /// Stripe.js). A challenge is answered once.
    pub fn authenticate(
        &self,
        client_secret: &str,
        answer: ChallengeAnswer,
    ) -> Result<(), ChallengeError> {
        let (key, outcome) = {
            let mut challenges = self
                .challenges
                .lock()
                .map_err(|_| ChallengeError::NotFound)?;
            let (reference, challenge) = challenges
                .iter_mut()
                .find(|(_, c)| c.client_secret.expose() == client_secret)
                .ok_or(ChallengeError::NotFound)?;
            if challenge.answer.is_some() {
                return Err(ChallengeError::AlreadyAnswered);
            }
            challenge.answer = Some(answer);
            (
                challenge.idempotency_key.clone(),
                challenge.outcome(reference),
            )
        };
        // The charge's key now answers its outcome (the ledger is locked
        // after the challenges are released: `charge` takes them the other
        // way round).
        if let Ok(mut ledger) = self.ledger.lock() {
            ledger.insert(key, outcome);
        }
        Ok(())
    }

    /// What the charge `reference` (from a "requires action" answer) is now.
    fn challenge_outcome(&self, reference: &str) -> Result<ChargeOutcome, GatewayError> {
        let challenges = self
            .challenges
            .lock()
            .map_err(|_| GatewayError::Unavailable("sandbox challenges poisoned".into()))?;
        challenges
            .get(reference)
            .map(|c| c.outcome(reference))
            .ok_or_else(|| GatewayError::Rejected("no such charge".into()))
    }

    /// Tokenizes a typed card: what the gateway's card field does in the browser.
    pub fn tokenize(
        &self,
        input: &CardInput,
        today: NaiveDate,
    ) -> Result<(String, CardDetails), CardError> {
        let (scenario, card) = validate_card(input, today)?;
        Ok((encode("tok_sbx", scenario, &card, &random_suffix()), card))
    }

    /// Charges attempted, whatever their outcome (one per idempotency key).
    pub fn attempts(&self) -> usize {
        self.ledger.lock().map(|l| l.len()).unwrap_or(0)
    }

    /// Refunds that gave money back (one per idempotency key).
    pub fn refunds_made(&self) -> usize {
        self.refunds
            .lock()
            .map(|r| {
                r.values()
                    .filter(|o| matches!(o, RefundOutcome::Succeeded { .. }))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Charges that actually moved money (succeeded, or timed out after succeeding).
    pub fn captured_charges(&self) -> usize {
        self.ledger
            .lock()
            .map(|l| {
                l.values()
                    .filter(|o| matches!(o, ChargeOutcome::Succeeded { .. }))
                    .count()
            })
            .unwrap_or(0)
    }
}

#[async_trait]
impl PaymentGateway for SandboxGateway {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn charge(&self, request: &ChargeRequest<'_>) -> Result<ChargeOutcome, GatewayError> {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        let token = match request.source {
            PaymentSource::SingleUse(t) if t.starts_with("tok_sbx_") => t,
            PaymentSource::Saved(t) if t.starts_with("card_sbx_") => t,
            _ => return Err(GatewayError::Rejected("no such payment token".into())),
        };
        let (scenario, card) =
            decode(token).ok_or_else(|| GatewayError::Rejected("no such payment token".into()))?;
        let mut ledger = self
            .ledger
            .lock()
            .map_err(|_| GatewayError::Unavailable("sandbox ledger poisoned".into()))?;
        // Like Stripe, a repeated key is answered with the first outcome; the
        // "times out" card loses only the first answer.
        let repeated = ledger.contains_key(request.charge_key.as_str());
        let outcome = ledger
            .entry(request.charge_key.as_str().to_owned())
            .or_insert_with(|| match scenario {
                Scenario::Succeeds | Scenario::TimesOut | Scenario::RefundFails => {
                    ChargeOutcome::Succeeded {
                        // The scenario rides in the reference, so that any
                        // instance can refund it as the card says.
                        reference: format!("ch_sbx_{}_{}", scenario.tag(), random_suffix()),
                        // Kept only for a single-use card the request asked to keep.
                        saved: match (request.save_to_customer, request.source) {
                            (Some(_), PaymentSource::SingleUse(_)) => Some(SavedCard {
                                gateway_token: encode("card_sbx", scenario, &card, "saved"),
                                fingerprint: Some(fingerprint(&card)),
                                card: card.clone(),
                            }),
                            _ => None,
                        },
                        card: Some(card),
                        captured: Some(Captured {
                            amount: request.amount,
                            currency: crate::domain::CURRENCY.to_owned(),
                        }),
                    }
                }
                Scenario::Declines => ChargeOutcome::Declined {
                    code: "card_declined".into(),
                    reference: None,
                },
                Scenario::InsufficientFunds => ChargeOutcome::Declined {
                    code: "insufficient_funds".into(),
                    reference: None,
                },
                // Off session nobody can answer the bank (as Stripe's adapter
                // does: cancelled and declined).
                Scenario::AuthenticationRequired if request.off_session => {
                    ChargeOutcome::Declined {
                        code: "authentication_required".into(),
                        reference: None,
                    }
                }
                Scenario::AuthenticationRequired => {
                    let reference = format!("pi_sbx_{}", random_suffix());
                    let client_secret =
                        ClientSecret::new(format!("{reference}_secret_{}", random_suffix()));
                    let approved = ChargeOutcome::Succeeded {
                        reference: reference.clone(),
                        saved: request.save_to_customer.map(|_| SavedCard {
                            gateway_token: encode("card_sbx", Scenario::Succeeds, &card, "saved"),
                            fingerprint: Some(fingerprint(&card)),
                            card: card.clone(),
                        }),
                        card: Some(card.clone()),
                        captured: Some(Captured {
                            amount: request.amount,
                            currency: crate::domain::CURRENCY.to_owned(),
                        }),
                    };
                    if let Ok(mut challenges) = self.challenges.lock() {
                        challenges.insert(
                            reference.clone(),
                            Challenge {
                                idempotency_key: request.charge_key.as_str().to_owned(),
                                client_secret: client_secret.clone(),
                                approved,
                                answer: None,
                            },
                        );
                    }
                    ChargeOutcome::RequiresAction {
                        reference,
                        client_secret,
                    }
                }
            })
            .clone();
        if scenario == Scenario::TimesOut && !repeated {
            return Err(GatewayError::OutcomeUnknown);
        }
        Ok(outcome)
    }

    async fn lookup(&self, charge_key: &ChargeKey) -> Result<Option<ChargeOutcome>, GatewayError> {
        let found = self
            .ledger
            .lock()
            .map_err(|_| GatewayError::Unavailable("sandbox ledger poisoned".into()))?
            .get(charge_key.as_str())
            .cloned();
        match found {
            // As Stripe's adapter: nobody asking by key can authenticate.
            Some(ChargeOutcome::RequiresAction { reference, .. }) => {
                self.cancel(&reference).await.map(Some)
            }
            other => Ok(other),
        }
    }

    async fn refund(&self, request: &RefundRequest<'_>) -> Result<RefundOutcome, GatewayError> {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        let scenario = request
            .charge_reference
            .strip_prefix("ch_sbx_")
            .and_then(|rest| rest.split('_').next())
            .and_then(Scenario::from_tag)
            .ok_or_else(|| GatewayError::Rejected("no such charge".into()))?;
        if request.amount.0 <= 0 {
            return Err(GatewayError::Rejected("the amount must be positive".into()));
        }
        let mut refunds = self
            .refunds
            .lock()
            .map_err(|_| GatewayError::Unavailable("sandbox ledger poisoned".into()))?;
        let repeated = refunds.contains_key(request.idempotency_key);
        let outcome = refunds
            .entry(request.idempotency_key.to_owned())
            .or_insert_with(|| {
                let reference = format!("re_sbx_{}", random_suffix());
                if scenario == Scenario::RefundFails {
                    RefundOutcome::Failed {
                        reference: Some(reference),
                        code: "refund_failed".into(),
                    }
                } else {
                    RefundOutcome::Succeeded { reference }
                }
            })
            .clone();
        if scenario == Scenario::TimesOut && !repeated {
            return Err(GatewayError::OutcomeUnknown);
        }
        Ok(outcome)
    }

    async fn lookup_refund(
        &self,
        _charge_reference: &str,
        idempotency_key: &str,
    ) -> Result<Option<RefundOutcome>, GatewayError> {
        let refunds = self
            .refunds
            .lock()
            .map_err(|_| GatewayError::Unavailable("sandbox ledger poisoned".into()))?;
        Ok(refunds.get(idempotency_key).cloned())
    }

    async fn customer(&self, client_ref: &str) -> Result<String, GatewayError> {
        Ok(format!("cus_sbx_{client_ref}"))
    }

    async fn retrieve(&self, reference: &str) -> Result<ChargeOutcome, GatewayError> {
        self.challenge_outcome(reference)
    }

    async fn cancel(&self, reference: &str) -> Result<ChargeOutcome, GatewayError> {
        let secret = {
            let challenges = self
                .challenges
                .lock()
                .map_err(|_| GatewayError::Unavailable("sandbox challenges poisoned".into()))?;
            challenges
                .get(reference)
                .map(|c| c.client_secret.expose().to_owned())
                .ok_or_else(|| GatewayError::Rejected("no such charge".into()))?
        };
        // Answered first (approved, say): that outcome stands, as at Stripe.
        let _ = self.authenticate(&secret, ChallengeAnswer::Cancelled);
        self.challenge_outcome(reference)
    }

    /// Saved sandbox cards live only in their token: nothing to remove.
    async fn detach_card(&self, gateway_token: &str) -> Result<(), GatewayError> {
        if gateway_token.starts_with("card_sbx_") {
            Ok(())
        } else {
            Err(GatewayError::Rejected("no such saved card".into()))
        }
    }

    async fn save_card(
        &self,
        single_use_token: &str,
        _customer: &str,
    ) -> Result<SavedCard, GatewayError> {
        let (scenario, card) = single_use_token
            .strip_prefix("tok_sbx_")
            .and_then(|_| decode(single_use_token))
            .ok_or_else(|| GatewayError::Rejected("no such payment token".into()))?;
        match scenario {
            // A card saved without a payment is not challenged here (as the
            // Stripe adapter refuses a SetupIntent that needs action).
            Scenario::AuthenticationRequired => {
                return Err(GatewayError::Rejected("authentication_required".into()))
            }
            // The bank declines the card when asked to keep it, as Stripe's
            // SetupIntent does with 4000 0000 0000 0002. A zero-amount check
            // asks nothing of the balance: the insufficient-funds card saves.
            Scenario::Declines => return Err(GatewayError::Rejected("card_declined".into())),
            Scenario::Succeeds
            | Scenario::InsufficientFunds
            | Scenario::TimesOut
            | Scenario::RefundFails => {}
        }
        Ok(SavedCard {
            gateway_token: encode("card_sbx", scenario, &card, "saved"),
            fingerprint: Some(fingerprint(&card)),
            card,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn input(number: &str) -> CardInput {
        CardInput {
            number: number.into(),
            exp_month: 12,
            exp_year: 2030,
            cvc: "123".into(),
        }
    }

    fn charge<'a>(token: &'a str, key: &'a ChargeKey) -> ChargeRequest<'a> {
        ChargeRequest {
            amount: crate::domain::Cents(1000),
            source: PaymentSource::SingleUse(token),
            charge_key: key,
            description: "t",
            off_session: false,
            save_to_customer: None,
        }
    }

    #[test]
    fn luhn_and_brand_are_checked() {
        assert!(luhn_valid("4242424242424242"));
        assert!(!luhn_valid("4242424242424241"));
        assert_eq!(brand("4242424242424242"), "visa");
        assert_eq!(brand("5555555555554444"), "mastercard");
        assert_eq!(brand("378282246310005"), "amex");
    }

    #[test]
    fn bad_cards_are_refused_with_their_own_code() {
        let gw = SandboxGateway::default();
        let cases = [
            (input("4242424242424241"), "invalid_card_number"),
            (input("4242"), "invalid_card_number"),
            (
                CardInput {
                    exp_month: 13,
                    ..input("4242424242424242")
                },
                "invalid_expiry",
            ),
            (
                CardInput {
                    exp_month: 10,
                    exp_year: 2026,
                    ..input("4242424242424242")
                },
                "expired_card",
            ),
            (
                CardInput {
                    cvc: "12".into(),
                    ..input("4242424242424242")
                },
                "invalid_cvc",
            ),
            (input("4111111111111111"), "test_card_required"),
        ];
        for (card, code) in cases {
            assert_eq!(
                gw.tokenize(&card, today()).unwrap_err().code().as_str(),
                code
            );
        }
        assert!(gw
            .tokenize(
                &CardInput {
                    exp_month: 11,
                    exp_year: 2026,
                    ..input("4242 4242 4242 4242")
                },
                today()
            )
            .is_ok());
    }

    #[test]
    fn tokens_never_contain_the_card_number() {
        let (token, card) = SandboxGateway::default()
            .tokenize(&input("4242424242424242"), today())
            .unwrap();
        assert!(!token.contains("4242424242424242"));
        assert_eq!((card.brand.as_str(), card.last4.as_str()), ("visa", "4242"));
    }

    #[tokio::test]
    async fn each_test_card_has_its_outcome_and_a_key_charges_once() {
        let gw = SandboxGateway::default();
        let token = |n| gw.tokenize(&input(n), today()).unwrap().0;
        let ok = token("4242424242424242");
        assert!(matches!(
            gw.charge(&charge(&ok, &ChargeKey::recorded("k1"))).await,
            Ok(ChargeOutcome::Succeeded { .. })
        ));
        assert_eq!(
            gw.charge(&charge(&ok, &ChargeKey::recorded("k1")))
                .await
                .unwrap(),
            gw.lookup(&ChargeKey::recorded("k1"))
                .await
                .unwrap()
                .unwrap()
        );
        assert!(
            matches!(gw.charge(&charge(&token("4000000000000002"), &ChargeKey::recorded("k2"))).await, Ok(ChargeOutcome::Declined { code, .. }) if code == "card_declined")
        );
        assert!(
            matches!(gw.charge(&charge(&token("4000000000009995"), &ChargeKey::recorded("k3"))).await, Ok(ChargeOutcome::Declined { code, .. }) if code == "insufficient_funds")
        );
        assert!(matches!(
            gw.charge(&charge(
                &token("4000000000000119"),
                &ChargeKey::recorded("k4")
            ))
            .await,
            Err(GatewayError::OutcomeUnknown)
        ));
        assert!(matches!(
            gw.lookup(&ChargeKey::recorded("k4")).await,
            Ok(Some(ChargeOutcome::Succeeded { .. }))
        ));
        assert_eq!(
            gw.lookup(&ChargeKey::recorded("never")).await.unwrap(),
            None
        );
        assert_eq!(gw.captured_charges(), 2);
    }

    async fn charged(gw: &SandboxGateway, number: &str, key: &str) -> String {
        let (token, _) = gw.tokenize(&input(number), today()).unwrap();
        let key = ChargeKey::recorded(key);
        let _ = gw.charge(&charge(&token, &key)).await;
        match gw.lookup(&key).await.unwrap() {
            Some(ChargeOutcome::Succeeded { reference, .. }) => reference,
            other => panic!("not charged: {other:?}"),
        }
    }

    async fn refund(
        gw: &SandboxGateway,
        reference: &str,
        key: &str,
    ) -> Result<RefundOutcome, GatewayError> {
        gw.refund(&RefundRequest {
            charge_reference: reference,
            amount: crate::domain::Cents(400),
            idempotency_key: key,
        })
        .await
    }

    #[tokio::test]
    async fn refunds_follow_the_card_and_a_key_refunds_once() {
        let gw = SandboxGateway::default();
        let ok = charged(&gw, "4242424242424242", "c1").await;
        let first = refund(&gw, &ok, "r1").await.unwrap();
        assert!(
            matches!(&first, RefundOutcome::Succeeded { reference } if reference.starts_with("re_sbx_"))
        );
        assert_eq!(
            refund(&gw, &ok, "r1").await.unwrap(),
            first,
            "a repeated key answers the first refund"
        );
        assert_eq!(gw.lookup_refund(&ok, "r1").await.unwrap(), Some(first));
        assert_eq!(gw.lookup_refund(&ok, "r2").await.unwrap(), None);

        let fails = charged(&gw, "4000000000005126", "c2").await;
        assert!(
            matches!(refund(&gw, &fails, "r3").await, Ok(RefundOutcome::Failed { code, .. }) if code == "refund_failed")
        );

        let slow = charged(&gw, "4000000000000119", "c3").await;
        assert!(matches!(
            refund(&gw, &slow, "r4").await,
            Err(GatewayError::OutcomeUnknown)
        ));
        assert!(matches!(
            gw.lookup_refund(&slow, "r4").await,
            Ok(Some(RefundOutcome::Succeeded { .. }))
        ));
        assert!(matches!(
            refund(&gw, &slow, "r4").await,
            Ok(RefundOutcome::Succeeded { .. })
        ));

        assert!(matches!(
            refund(&gw, "ch_other", "r5").await,
            Err(GatewayError::Rejected(_))
        ));
    }

    #[tokio::test]
    async fn a_saved_card_charges_like_its_token() {
        let gw = SandboxGateway::default();
        let (token, _) = gw.tokenize(&input("4000000000009995"), today()).unwrap();
        let saved = gw.save_card(&token, "client").await.unwrap();
        assert!(saved.gateway_token.starts_with("card_sbx_nsf_visa_9995_"));
        let key = ChargeKey::recorded("k");
        let request = ChargeRequest {
            source: PaymentSource::Saved(&saved.gateway_token),
            ..charge("", &key)
        };
        assert!(matches!(
            gw.charge(&request).await,
            Ok(ChargeOutcome::Declined { code, .. }) if code == "insufficient_funds"
        ));
    }

    #[tokio::test]
    async fn a_card_the_bank_declines_is_not_saved_and_saved_copies_share_a_fingerprint() {
        let gw = SandboxGateway::default();
        let (declined, _) = gw.tokenize(&input("4000000000000002"), today()).unwrap();
        assert!(matches!(
            gw.save_card(&declined, "client").await,
            Err(GatewayError::Rejected(code)) if code == "card_declined"
        ));
        let (first, _) = gw.tokenize(&input("4242424242424242"), today()).unwrap();
        let (second, _) = gw
            .tokenize(
                &CardInput {
                    exp_year: 2031,
                    ..input("4242424242424242")
                },
                today(),
            )
            .unwrap();
        let (other, _) = gw.tokenize(&input("5555555555554444"), today()).unwrap();
        let fingerprint = |saved: SavedCard| saved.fingerprint;
        let first = fingerprint(gw.save_card(&first, "client").await.unwrap());
        assert!(first.is_some());
        assert_eq!(
            first,
            fingerprint(gw.save_card(&second, "client").await.unwrap())
        );
        assert_ne!(
            first,
            fingerprint(gw.save_card(&other, "client").await.unwrap())
        );
    }
}
