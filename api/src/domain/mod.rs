//! Business rules as pure functions and types: no I/O, no clock reads.

pub mod money;
pub mod monitor_days;
pub mod phone;
pub mod quote;

pub use money::{Cents, TaxRate, CURRENCY};
pub use monitor_days::MonitorDays;
pub use phone::{normalize_pasted, InvalidPhone, NotTextable, PhoneNumber};
pub use quote::{Line, LineKind, PricePlan, Quote, QuoteError};
pub mod card;
pub use card::{is_same_card, CardIdentity};
pub mod client;
pub use client::{Card, Client, ClientQuoteError, ClientSummary, Location, Vehicle};
pub mod payment;
pub use payment::{
    capture_mismatch, next_paid_through, period_key, Captured, ChargeKey, ChargeParams,
    InvoiceAmounts, PaymentMethod, PaymentStatus,
};
pub mod invoice;
pub use invoice::{Actor, AuthorKind, Invoice, LogEntry, Payment};
pub mod api_key;
pub mod bearer_secret;
pub mod ledger;
pub mod link;
pub use link::{
    client_short_name, display_status, link_expires_at, link_outdated, link_state, sms_body,
    third_party_sms_body, AccountNow, LinkDisplayStatus, LinkPayer, LinkSender, LinkSentVia,
    LinkState, LinkStatus, LinkToken, PaymentLink, SmsOutcome,
};
pub mod credit;
pub use credit::CreditGrant;
pub mod refund;
pub mod sms_failure;
pub use sms_failure::{SmsFailure, SmsFailureReason};
pub mod language;
pub use language::Language;
pub mod sms_keyword;
pub use sms_keyword::SmsKeyword;
pub mod sms_templates;
pub mod sms_text;
pub use sms_text::{gsm7_length, sms_length, SmsEncoding, SmsLength};
pub mod receipt;
pub use receipt::{IssuedReceipt, PaidThrough, Payer, Receipt, ReceiptReference, ReceiptRefund};
pub mod business_day;
pub mod webhook;
pub use business_day::{BusinessDay, LocationTimeZone};
pub mod notice;
pub use notice::NoticeKind;
pub mod appointment;
pub use appointment::NextAppointment;
pub mod terms;
