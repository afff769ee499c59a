//! Secure payment links: a one-time token sent by SMS, payable once, within
//! the link's time to live after it was sent.

use super::bearer_secret::{BearerSecret, SecretKind};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// The secret in a link's URL (a [`BearerSecret`]): shown once, in the SMS.
pub type LinkToken = BearerSecret<Link>;

/// The kind of a [`LinkToken`].
pub struct Link;
impl SecretKind for Link {
    const NAME: &'static str = "LinkToken";
}

/// What is stored about a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    Sent,
    Opened,
    /// One redeem holds it while its charge runs.
    Paying,
    Paid,
    Revoked,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Sent => "sent",
            LinkStatus::Opened => "opened",
            LinkStatus::Paying => "paying",
            LinkStatus::Paid => "paid",
            LinkStatus::Revoked => "revoked",
        }
    }

    pub fn parse(status: &str) -> Option<LinkStatus> {
        [
            LinkStatus::Sent,
            LinkStatus::Opened,
            LinkStatus::Paying,
            LinkStatus::Paid,
            LinkStatus::Revoked,
        ]
        .into_iter()
        .find(|s| s.as_str() == status)
    }
}

/// Whether a link can be paid right now: the one rule for expiry and single use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Payable,
    /// Another redeem is charging it now.
    InPayment,
    Used,
    Revoked,
    Expired,
}

/// The expiry rule: a link sent at `sent_at` can be paid until `ttl_seconds`
/// later (`PAYMENT_LINK_TTL_SECONDS`, 10 minutes in production), by the
/// server's clock. [`link_state`] reads the instant this gives.
///
/// The ten minutes are essential (the exception of WCAG 2.2.1): the token
/// alone authorizes a charge, so a short life bounds what a forwarded text or
/// a lock-screen notification exposes, and how stale the link's quote can
/// be. The payer is warned instead (at 2 minutes and 30 seconds) and gets a
/// fresh link with one button (`services::links::renew`); docs/payments.md,
/// "Why ten minutes".
pub fn link_expires_at(sent_at: DateTime<Utc>, ttl_seconds: i64) -> DateTime<Utc> {
    sent_at + chrono::Duration::seconds(ttl_seconds)
}

/// The single-use and expiry rule, read: a link is payable while it is sent
/// or opened and `now` is before
/// `expires_at` (sent + TTL, by the server's clock). Paid and revoked win
/// over expiry: the payer is told what really happened.
pub fn link_state(status: LinkStatus, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> LinkState {
    match status {
        LinkStatus::Paid => LinkState::Used,
        LinkStatus::Revoked => LinkState::Revoked,
        LinkStatus::Paying => LinkState::InPayment,
        LinkStatus::Sent | LinkStatus::Opened if now >= expires_at => LinkState::Expired,
        LinkStatus::Sent | LinkStatus::Opened => LinkState::Payable,
    }
}

/// What staff see for a link: its lifecycle status, with expiry and SMS delivery folded in.
/// `sent`: payable, its text on its way; `delivered`: the carrier confirmed the text;
/// `sms_failed`: payable, but its text failed (`sms_failure` says why and what to do).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkDisplayStatus {
    /// Payable; its text is on its way (queued, or accepted by the provider).
    Sent,
    /// Payable; the carrier confirmed the text reached the phone.
    Delivered,
    /// Payable; its text failed (see `sms_failure` for why and what to do):
    /// the client most likely never got the link.
    SmsFailed,
    Opened,
    Paying,
    Paid,
    Expired,
    Revoked,
    /// Unpaid and unexpired, but its quote no longer stands (the past due was
    /// paid another way, or the vehicle's paid-through date moved): it can no
    /// longer be paid ([`link_outdated`]); a new link is needed.
    Outdated,
}

/// What became of a link's text, as far as we know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmsOutcome {
    /// Queued, being sent, or accepted by the provider and not yet confirmed.
    Pending,
    Delivered,
    Failed,
}

/// The status staff see. A payer who opened the link got it, whatever the
/// text's report says; otherwise a failed text shows as such, never as sent.
/// A payable link whose quote no longer stands (`outdated`, by
/// [`link_outdated`]) shows as `outdated`.
pub fn display_status(
    status: LinkStatus,
    expires_at: DateTime<Utc>,
    sms: SmsOutcome,
    outdated: bool,
    now: DateTime<Utc>,
) -> LinkDisplayStatus {
    match link_state(status, expires_at, now) {
        LinkState::Payable if outdated => LinkDisplayStatus::Outdated,
        LinkState::Used => LinkDisplayStatus::Paid,
        LinkState::Revoked => LinkDisplayStatus::Revoked,
        LinkState::InPayment => LinkDisplayStatus::Paying,
        LinkState::Expired => LinkDisplayStatus::Expired,
        LinkState::Payable if status == LinkStatus::Opened => LinkDisplayStatus::Opened,
        LinkState::Payable => match sms {
            SmsOutcome::Pending => LinkDisplayStatus::Sent,
            SmsOutcome::Delivered => LinkDisplayStatus::Delivered,
            SmsOutcome::Failed => LinkDisplayStatus::SmsFailed,
        },
    }
}

/// The text message carrying the link (kept with every other text in
/// [`super::sms_templates`]). Start-up checks keep it within two GSM-7
/// segments (see `config::COMPANY_NAME_MAX_SEPTETS` and its test with the
/// longest text), in English and in Spanish.
pub fn sms_body(
    language: super::Language,
    company: &str,
    amount: super::Cents,
    url: &str,
    ttl_seconds: i64,
) -> String {
    super::sms_templates::payment_link(language, company, amount, url, ttl_seconds)
}

/// The text carrying a link to someone who pays for the client
/// ([`LinkPayer::ThirdParty`]): "Payment request for Dana W.'s monitoring
/// account…", in the client's language, within two GSM-7 segments
/// ([`super::sms_templates::payment_request_for`]).
pub fn third_party_sms_body(
    language: super::Language,
    company: &str,
    client_short_name: &str,
    url: &str,
    ttl_seconds: i64,
) -> String {
    let client = super::sms_templates::name_label(language, client_short_name);
    super::sms_templates::payment_request_for(language, company, &client, url, ttl_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn tokens_are_256_bit_base64url_and_unique() {
        let a = LinkToken::generate();
        let b = LinkToken::generate();
        assert_eq!(a.expose().len(), 43);
        assert_ne!(a.expose(), b.expose());
        assert!(LinkToken::parse(a.expose()).is_some());
        assert_eq!(a.hash().len(), 32);
        assert_ne!(a.hash(), a.expose().as_bytes());
    }

    #[test]
    fn malformed_tokens_do_not_parse() {
        for bad in [
            "",
            "short",
            &"a".repeat(44),
            &format!("{}=", "a".repeat(42)),
            &format!("{}/", "a".repeat(42)),
        ] {
            assert!(LinkToken::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_link_is_payable_until_it_expires_and_only_once() {
        let sent = Utc::now();
        let expires = sent + Duration::minutes(10);
        assert_eq!(
            link_state(LinkStatus::Sent, expires, sent),
            LinkState::Payable
        );
        assert_eq!(
            link_state(LinkStatus::Opened, expires, expires - Duration::seconds(1)),
            LinkState::Payable
        );
        assert_eq!(
            link_state(LinkStatus::Opened, expires, expires),
            LinkState::Expired
        );
        assert_eq!(
            link_state(LinkStatus::Paid, expires, expires + Duration::days(1)),
            LinkState::Used
        );
        assert_eq!(
            link_state(LinkStatus::Revoked, expires, sent),
            LinkState::Revoked
        );
        assert_eq!(
            link_state(LinkStatus::Paying, expires, sent),
            LinkState::InPayment
        );
    }

    #[test]
    fn a_link_expires_its_time_to_live_after_it_was_sent() {
        let sent = Utc::now();
        let expires = link_expires_at(sent, 600);
        assert_eq!(expires, sent + Duration::minutes(10));
        assert_eq!(
            link_state(LinkStatus::Sent, expires, sent + Duration::seconds(599)),
            LinkState::Payable
        );
        assert_eq!(
            link_state(LinkStatus::Sent, expires, sent + Duration::seconds(600)),
            LinkState::Expired
        );
    }

    #[test]
    fn staff_see_delivery_and_expiry_in_the_status() {
        let now = Utc::now();
        let later = now + Duration::minutes(10);
        assert_eq!(
            display_status(LinkStatus::Sent, later, SmsOutcome::Pending, false, now),
            LinkDisplayStatus::Sent
        );
        assert_eq!(
            display_status(LinkStatus::Sent, later, SmsOutcome::Delivered, false, now),
            LinkDisplayStatus::Delivered
        );
        assert_eq!(
            display_status(LinkStatus::Opened, later, SmsOutcome::Delivered, false, now),
            LinkDisplayStatus::Opened
        );
        assert_eq!(
            display_status(LinkStatus::Opened, now, SmsOutcome::Delivered, false, now),
            LinkDisplayStatus::Expired
        );
    }

    #[test]
    fn a_link_whose_text_failed_never_shows_as_sent() {
        let now = Utc::now();
        let later = now + Duration::minutes(10);
        assert_eq!(
            display_status(LinkStatus::Sent, later, SmsOutcome::Failed, false, now),
            LinkDisplayStatus::SmsFailed
        );
        // Opened anyway (the number was passed on): the payer has it.
        assert_eq!(
            display_status(LinkStatus::Opened, later, SmsOutcome::Failed, false, now),
            LinkDisplayStatus::Opened
        );
        assert_eq!(
            display_status(LinkStatus::Sent, now, SmsOutcome::Failed, false, now),
            LinkDisplayStatus::Expired
        );
    }

    #[test]
    fn the_sms_names_the_amount_the_deadline_and_the_link() {
        let en = super::super::Language::En;
        let body = sms_body(
            en,
            "Acme Monitoring",
            super::super::Cents(17_649),
            "https://x/my-account/pay#t",
            600,
        );
        assert_eq!(body, "Acme Monitoring: your payment of $176.49 is ready. Pay securely within 10 minutes: https://x/my-account/pay#t");
        let short = sms_body(en, "A", super::super::Cents(1), "u", 59);
        assert!(short.contains("within 1 minute: u"), "{short}");
        let rounded_up = sms_body(en, "A", super::super::Cents(1), "u", 601);
        assert!(rounded_up.contains("within 11 minutes"), "{rounded_up}");
    }
}

/// A payment link as stored (never with its token).
#[derive(Clone, Debug)]
pub struct PaymentLink {
    pub id: uuid::Uuid,
    pub client_id: uuid::Uuid,
    pub vehicle_id: uuid::Uuid,
    /// E.164, as the SMS was addressed.
    pub phone: String,
    pub quote: super::Quote,
    pub status: LinkStatus,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub payment_id: Option<uuid::Uuid>,
    /// The SMS's delivery status (`queued`, `sending`, `sent`, `delivered`, `failed`).
    pub sms_status: Option<String>,
    /// Why the SMS failed, when `sms_status` is `failed`.
    pub sms_failure: Option<super::SmsFailure>,
    /// Whether the link went to the client's own phone, as decided when it
    /// was sent.
    pub payer: LinkPayer,
    /// Who sent the link (`None` for a link read without it, e.g. by its payer).
    pub sent_by: Option<LinkSender>,
    /// The vehicle's paid-through date when the link was sent (`None`: never
    /// paid then); [`link_outdated`] compares it with the vehicle's now.
    pub vehicle_paid_through: Option<NaiveDate>,
}

/// How a link was sent: by whom, through what. Staff see it in PLUS Web's
/// links list (issue 18).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkSentVia {
    /// A staff member in PLUS Web, or a partner's API key.
    Staff,
    /// The client, from My Account (to whoever pays for them).
    MyAccount,
    /// The client texted PAY from their phone.
    Reply,
}

impl LinkSentVia {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkSentVia::Staff => "staff",
            LinkSentVia::MyAccount => "my_account",
            LinkSentVia::Reply => "reply",
        }
    }

    pub fn parse(via: &str) -> Option<LinkSentVia> {
        [
            LinkSentVia::Staff,
            LinkSentVia::MyAccount,
            LinkSentVia::Reply,
        ]
        .into_iter()
        .find(|v| v.as_str() == via)
    }
}

/// Who sent a link, as they were named then. A renewal ("Text me a new
/// link") keeps the sender of the link it replaces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct LinkSender {
    pub via: LinkSentVia,
    /// The staff member or API key (`via` `staff`), or the client.
    #[schema(example = "Alex Agent")]
    pub name: String,
}

/// Who a link's payer is, by the phone it went to: the client's own number,
/// or someone else's (a relative, an employer) who pays for them. The text,
/// the pay page and the payment's history are worded for that reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkPayer {
    /// The link went to the client's own phone.
    Client,
    /// The link went to another phone: someone pays for the client.
    ThirdParty,
}

impl LinkPayer {
    /// The rule: the payer is the client exactly when the link went to the
    /// client's phone (both compared as E.164; a client phone that does not
    /// parse is never the link's).
    pub fn of(link_phone: &str, client_phone: &str) -> LinkPayer {
        match (
            super::PhoneNumber::parse(link_phone),
            super::PhoneNumber::parse(client_phone),
        ) {
            (Ok(link), Ok(client)) if link == client => LinkPayer::Client,
            _ => LinkPayer::ThirdParty,
        }
    }
}

/// A client's name as a payer who is not the client sees it: the first name
/// and the last name's initial, "Dana W." (just the first name when there is
/// no last name).
pub fn client_short_name(first_name: &str, last_name: &str) -> String {
    let first = first_name.trim();
    match last_name.trim().chars().next() {
        Some(initial) => format!("{first} {}.", initial.to_uppercase()),
        None => first.to_owned(),
    }
}

/// The account as the out-of-date rule reads it now ([`link_outdated`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountNow {
    /// What a new quote would collect as past due ([`super::ledger::Account`]:
    /// the ledger's balance less what open payments hold), in cents.
    pub past_due: super::Cents,
    /// What a new quote would apply as credit (same source), in cents.
    pub credit: super::Cents,
    /// The vehicle's paid-through date (`vehicles.paid_through`): moved only
    /// by a recorded success or an applied credit, never by an open payment.
    pub paid_through: Option<NaiveDate>,
}

impl AccountNow {
    /// The account as it is now: what a new quote would collect as past due
    /// and apply as credit, and the vehicle's paid-through date. The one
    /// place an `AccountNow` is made; the other constructors read their
    /// sources and call it.
    pub fn new(
        past_due: super::Cents,
        credit: super::Cents,
        paid_through: Option<NaiveDate>,
    ) -> AccountNow {
        AccountNow {
            past_due,
            credit,
            paid_through,
        }
    }

    /// The account of a client whose ledger's balance is `balance` while
    /// their open payments and credit refunds hold `held`
    /// ([`super::ledger::account_with_held`]), for a vehicle paid through
    /// `paid_through`: how the store reads it under the client's lock or
    /// with a link.
    pub fn from_ledger(
        balance: super::Cents,
        held: super::Cents,
        paid_through: Option<NaiveDate>,
    ) -> AccountNow {
        let account = super::ledger::account_with_held(balance, held);
        AccountNow::new(account.past_due, account.credit, paid_through)
    }

    /// The account of `client` (as read, open payments counted) for
    /// `vehicle_id`: its paid-through date, `None` when the vehicle is no
    /// longer the client's.
    pub fn of_client(client: &super::Client, vehicle_id: uuid::Uuid) -> AccountNow {
        AccountNow::new(
            client.past_due_cents,
            client.credit_cents,
            client.vehicle(vehicle_id).and_then(|v| v.paid_through),
        )
    }
}

/// The out-of-date rule: a payable link whose quote no longer stands is
/// refused (`409 link_outdated`) and shown as `outdated`, because paying it
/// would charge what was meant for an account that has since changed:
///
/// - the past due (or credit) it collects was paid, or is being paid, another
///   way: the account now has less of it than the quote took
///   ([`super::ledger::quote_still_stands`], the rule the payment itself
///   checks under the client's lock); or
/// - the vehicle's paid-through date is no longer the one recorded when the
///   link was sent (`sent_paid_through`): another payment, Auto Pay or a
///   credit paid a period since, so the period it buys is not the one the
///   payer was asked for.
///
/// Only what is settled moves the paid-through date: a payment still open
/// (or one that fails) for the vehicle leaves the link as it was (a redeem
/// meanwhile answers `409 payment_in_progress`, decided under the client's
/// lock by `store::PaymentStore::insert_payment`). The same function
/// decides on the payer's page, in the staff's list, and in that guarded
/// write (issue 16; docs/payments.md, "Out-of-date links").
pub fn link_outdated(
    quote: &super::Quote,
    sent_paid_through: Option<NaiveDate>,
    now: &AccountNow,
) -> bool {
    now.past_due < quote.past_due_cents
        || now.credit < quote.credit_cents
        || now.paid_through != sent_paid_through
}

impl PaymentLink {
    /// What became of the link's latest text.
    pub fn sms_outcome(&self) -> SmsOutcome {
        match self.sms_status.as_deref() {
            Some("delivered") => SmsOutcome::Delivered,
            Some("failed") => SmsOutcome::Failed,
            _ => SmsOutcome::Pending,
        }
    }
}

#[cfg(test)]
mod outdated_tests {
    use super::*;
    use crate::domain::{Cents, Quote};

    fn quote(past_due: i64, credit: i64) -> Quote {
        Quote {
            monitor_days: crate::domain::MonitorDays::parse(14).expect("14 days"),
            lines: Vec::new(),
            subtotal_cents: Cents(5_000),
            tax_cents: Cents(413),
            past_due_cents: Cents(past_due),
            credit_cents: Cents(credit),
            total_due_cents: Cents(5_413 + past_due - credit),
            currency: "USD".into(),
            covered_by_credit: false,
        }
    }

    fn day(d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2026, 12, d)
    }

    fn now(past_due: i64, credit: i64, paid_through: Option<NaiveDate>) -> AccountNow {
        AccountNow::new(Cents(past_due), Cents(credit), paid_through)
    }

    #[test]
    fn a_link_stands_while_the_account_is_as_it_was_sent() {
        assert!(!link_outdated(
            &quote(1_000, 0),
            day(5),
            &now(1_000, 0, day(5))
        ));
        // More owed since (a new charge) does not make it out of date.
        assert!(!link_outdated(
            &quote(1_000, 0),
            day(5),
            &now(1_500, 0, day(5))
        ));
        assert!(!link_outdated(&quote(0, 0), None, &now(0, 0, None)));
    }

    #[test]
    fn past_due_paid_or_credit_used_elsewhere_makes_it_out_of_date() {
        assert!(link_outdated(
            &quote(1_000, 0),
            day(5),
            &now(999, 0, day(5))
        ));
        assert!(link_outdated(&quote(0, 700), day(5), &now(0, 0, day(5))));
        // A credit granted since lowers the past due: out of date too.
        assert!(link_outdated(
            &quote(1_000, 0),
            day(5),
            &now(0, 500, day(5))
        ));
    }

    #[test]
    fn a_vehicle_paid_another_way_makes_it_out_of_date() {
        assert!(link_outdated(&quote(0, 0), day(5), &now(0, 0, day(19))));
        assert!(link_outdated(&quote(0, 0), None, &now(0, 0, day(19))));
    }
}
