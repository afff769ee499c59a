//! Texts the product sends on its own (issue 19, items 3 and 4), each once:
//!
//! - **Payment reminders** ([`send_reminders`], job `reminders`): to clients
//!   not on Auto Pay, `REMINDER_DAYS` before a vehicle's paid-through date,
//!   what is due and by when, "Reply PAY for a secure payment link" (the
//!   reply is handled by [`crate::services::sms_replies`]). Where the
//!   location takes no payments online the text says to call instead.
//! - **Auto Pay notices** ([`send_autopay_notices`], job `autopay_notices`):
//!   `AUTOPAY_NOTICE_DAYS` before a charge, what will be charged to which
//!   card on which day; and `CARD_EXPIRY_NOTICE_DAYS` before the Auto Pay
//!   card expires, a reminder to update it.
//! - **A declined Auto Pay charge** ([`autopay_declined`]): sent by the Auto
//!   Pay run right after the decline, under the period's lock, with how to
//!   pay (reply PAY, or update the card) and a Client Log line; or by the
//!   status sync ([`send_decline_notices_due`]) when the decline is learnt
//!   later, or when the Auto Pay run could not queue it: each decline is
//!   kept as owed a notice in the transaction that fails its payment.
//!
//! Both jobs run daily at `NOTICES_LOCAL_TIME` on each location's clock, and
//! decide on the location's business day ([`BusinessDay::at`]) with the
//! rules of [`crate::domain::notice`]. "Once" is the database's: each notice
//! is kept under a unique key (kind, vehicle or card, period) in the
//! transaction that queues its SMS ([`NoticeStore::record_notice`]), so two
//! instances, two runs or a retried run never send one twice; the job's
//! lease only saves the work. An opted-out phone gets nothing.
//!
//! - **Appointment reminders** (also [`send_reminders`]): to clients not on
//!   Auto Pay whose vehicle's monitoring runs out before its next service
//!   appointment, `REMINDER_DAYS` before the appointment's day, keyed by the
//!   vehicle and that day (a moved appointment is a new period).
//!
//! [`NoticeStore::record_notice`]: crate::store::NoticeStore::record_notice

use crate::domain::notice::{
    appointment_reminder_due, autopay_notice_due, card_expires_on, card_expiry_notice_due,
    card_expiry_period, reminder_due,
};
use crate::domain::{
    sms_templates, Actor, BusinessDay, Card, Cents, Client, Language, LocationTimeZone,
    NextAppointment, NoticeKind, PhoneNumber, Vehicle,
};
use crate::state::AppState;
use crate::store::{DeclineNoticeDue, NewLogEntry, NewNotice, NoticeOutcome, StoreError};
use chrono::{DateTime, Duration, NaiveDate};
use uuid::Uuid;

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NoticeReport {
    /// Queued in the SMS outbox.
    pub queued: usize,
    /// Sent before (another run or instance).
    pub already_sent: usize,
    /// Not sent: the phone opted out of texts.
    pub opted_out: usize,
    /// Due, but nothing to say (no phone we can text, nothing to charge).
    pub skipped: usize,
}

impl NoticeReport {
    fn add(&mut self, outcome: NoticeOutcome) {
        match outcome {
            NoticeOutcome::Queued => self.queued += 1,
            NoticeOutcome::AlreadySent => self.already_sent += 1,
            NoticeOutcome::OptedOut => self.opted_out += 1,
        }
    }

    /// Counts one notice's outcome; `None`: due but not sent (no phone).
    fn count(&mut self, outcome: Option<NoticeOutcome>) {
        match outcome {
            Some(outcome) => self.add(outcome),
            None => self.skipped += 1,
        }
    }

    fn merge(&mut self, other: NoticeReport) {
        self.queued += other.queued;
        self.already_sent += other.already_sent;
        self.opted_out += other.opted_out;
        self.skipped += other.skipped;
    }
}

/// Whether the client is on Auto Pay (enrolled with a card): Auto Pay
/// notices then, never payment reminders.
fn on_autopay(client: &Client) -> bool {
    client.autopay_enabled && client.autopay_card_id.is_some()
}

/// The client's Auto Pay card, if still on file.
fn autopay_card(client: &Client) -> Option<&Card> {
    let id = client.autopay_card_id?;
    client.cards.iter().find(|c| c.id == id)
}

/// What one notice needs besides its kind.
struct Notice<'a> {
    kind: NoticeKind,
    client: &'a Client,
    subject_id: Uuid,
    period: String,
    body: String,
    summary: String,
    /// The Client Log's line, before " texted to (•••) •••-1234".
    log: String,
}

/// Keeps and queues one notice (see the module's documentation).
async fn record(state: &AppState, notice: Notice<'_>) -> Result<Option<NoticeOutcome>, StoreError> {
    let Ok(phone) = PhoneNumber::parse(&notice.client.phone) else {
        tracing::warn!(client_id = %notice.client.id, "a notice is due but the client's phone cannot be texted");
        return Ok(None);
    };
    let outcome = state
        .store
        .record_notice(&NewNotice {
            kind: notice.kind,
            client_id: notice.client.id,
            subject_id: notice.subject_id,
            period: notice.period,
            to_phone: phone.to_string(),
            body_sealed: state.sealer.seal(&notice.body),
            summary: notice.summary,
            log: NewLogEntry::by(
                &Actor::System,
                notice.client.id,
                format!("{} texted to {}", notice.log, phone.masked()),
            ),
            now: state.clock.now(),
        })
        .await?;
    if outcome == NoticeOutcome::Queued {
        state.outbox_wakeup.notify_one();
    }
    Ok(Some(outcome))
}

/// The amount a vehicle's next period comes to (the client's usual
/// period, past due and credit included), when there is something to charge.
fn amount_due(client: &Client, vehicle: &Vehicle) -> Option<Cents> {
    let (_, quote) = client.quote(vehicle.id, client.plan_days).ok()?;
    (quote.total_due_cents > Cents::ZERO).then_some(quote.total_due_cents)
}

/// Sends the payment and appointment reminders of location `location_id`
/// due on its business day (clients not on Auto Pay; see the module's
/// documentation).
pub async fn send_reminders(
    state: &AppState,
    location_id: Uuid,
    zone: LocationTimeZone,
) -> Result<NoticeReport, StoreError> {
    let now = state.clock.now();
    let today = BusinessDay::at(now, zone);
    let days = state.settings.reminder_days;
    let mut report = NoticeReport::default();
    let mut candidates = state
        .store
        .notice_candidates(location_id, today, today + Duration::days(days))
        .await?;
    // Appointments on the business days `today..=today + days`: a day either
    // side covers any location's offset from UTC.
    candidates.extend(
        state
            .store
            .appointment_candidates(
                location_id,
                now - Duration::days(1),
                now + Duration::days(days + 2),
            )
            .await?,
    );
    candidates.sort_unstable();
    candidates.dedup();
    for client_id in candidates {
        let Some(client) = state.store.client(client_id).await? else {
            continue;
        };
        if on_autopay(&client) {
            continue;
        }
        for vehicle in &client.vehicles {
            let paid_through = vehicle
                .paid_through
                .filter(|&day| reminder_due(today, day, days));
            let appointment = vehicle
                .next_appointment
                .as_ref()
                .filter(|a| appointment_reminder_due(today, a.business_day, a.pay_before, days));
            if paid_through.is_none() && appointment.is_none() {
                continue;
            }
            let Some(amount) = amount_due(&client, vehicle) else {
                report.skipped += 1;
                continue;
            };
            // At most one text per vehicle a run: when the payment reminder
            // goes today, the appointment's goes on a later day of its window.
            let mut texted = false;
            if let Some(paid_through) = paid_through {
                let outcome = remind(state, &client, vehicle, paid_through, amount).await?;
                texted = outcome == Some(NoticeOutcome::Queued);
                report.count(outcome);
            }
            if let (Some(appointment), false) = (appointment, texted) {
                report
                    .count(remind_appointment(state, &client, vehicle, appointment, amount).await?);
            }
        }
    }
    Ok(report)
}

async fn remind(
    state: &AppState,
    client: &Client,
    vehicle: &Vehicle,
    paid_through: NaiveDate,
    amount: Cents,
) -> Result<Option<NoticeOutcome>, StoreError> {
    let settings = &state.settings;
    let label = sms_templates::vehicle_label(&vehicle.description);
    let language = client.language;
    let body = if client.location.accepts_payments {
        sms_templates::payment_reminder(
            language,
            &settings.company_name,
            &label,
            amount,
            paid_through,
        )
    } else {
        sms_templates::payment_reminder_call(
            language,
            &settings.company_name,
            &label,
            amount,
            paid_through,
            &settings.support_phone,
        )
    };
    let by = sms_templates::date_words(Language::En, paid_through);
    record(
        state,
        Notice {
            kind: NoticeKind::PaymentReminder,
            client,
            subject_id: vehicle.id,
            period: paid_through.to_string(),
            body,
            summary: format!("Payment reminder: {amount} due by {by} ({label})"),
            log: format!("Payment reminder ({amount} due by {by} for the {label})"),
        },
    )
    .await
}

/// Reminds the client of `vehicle`'s service appointment, which its
/// monitoring must be paid before; once per vehicle and appointment day.
async fn remind_appointment(
    state: &AppState,
    client: &Client,
    vehicle: &Vehicle,
    appointment: &NextAppointment,
    amount: Cents,
) -> Result<Option<NoticeOutcome>, StoreError> {
    let settings = &state.settings;
    let Ok(starts_at) = DateTime::parse_from_rfc3339(&appointment.starts_at) else {
        tracing::error!(vehicle_id = %vehicle.id, "an appointment's start is not RFC 3339");
        return Ok(None);
    };
    let label = sms_templates::vehicle_label(&vehicle.description);
    let call = (!client.location.accepts_payments).then_some(settings.support_phone.as_str());
    let when = (appointment.business_day, starts_at.time());
    let body = sms_templates::appointment_reminder(
        client.language,
        &settings.company_name,
        &label,
        amount,
        when,
        call,
    );
    let on = sms_templates::date_words(Language::En, appointment.business_day);
    let at = sms_templates::time_words(Language::En, starts_at.time());
    record(
        state,
        Notice {
            kind: NoticeKind::AppointmentReminder,
            client,
            subject_id: vehicle.id,
            period: appointment.business_day.to_string(),
            body,
            summary: format!("Appointment reminder: {amount} due before {on} at {at} ({label})"),
            log: format!("Appointment reminder ({amount} due before the service appointment on {on} at {at} for the {label})"),
        },
    )
    .await
}

/// Sends the Auto Pay notices of location `location_id` due on its business
/// day: the charges to come, and the Auto Pay cards about to expire.
pub async fn send_autopay_notices(
    state: &AppState,
    location_id: Uuid,
    zone: LocationTimeZone,
) -> Result<NoticeReport, StoreError> {
    let settings = &state.settings;
    let today = BusinessDay::at(state.clock.now(), zone);
    let days = settings.autopay_notice_days;
    let mut report = NoticeReport::default();
    // A charge within `days` is for a vehicle paid through at most a day later.
    let candidates = state
        .store
        .notice_candidates(location_id, today, today + Duration::days(days + 1))
        .await?;
    for client_id in candidates {
        let Some(client) = state.store.client(client_id).await? else {
            continue;
        };
        if !on_autopay(&client) {
            continue;
        }
        let Some(card) = autopay_card(&client) else {
            continue;
        };
        // Client Log lines and staff summaries are English; the texts are in
        // the client's language.
        let card_words = sms_templates::card_label(Language::En, &card.brand, &card.last4);
        let card_text = sms_templates::card_label(client.language, &card.brand, &card.last4);
        if let Some(expires_on) = card_expires_on(card.exp_month, card.exp_year) {
            if card_expiry_notice_due(today, expires_on, settings.card_expiry_notice_days) {
                let body = sms_templates::card_expiring(
                    client.language,
                    &settings.company_name,
                    &card_text,
                    card.exp_month,
                    card.exp_year,
                    &sms_templates::my_account_url(&settings.public_base_url),
                );
                let expiry = format!("{:02}/{}", card.exp_month, card.exp_year);
                let notice = Notice {
                    kind: NoticeKind::CardExpiring,
                    client: &client,
                    subject_id: card.id,
                    period: card_expiry_period(card.exp_month, card.exp_year),
                    body,
                    summary: format!("Auto Pay card expiring: {card_words}, {expiry}"),
                    log: format!("Reminder that the Auto Pay card {card_words} expires {expiry}"),
                };
                match record(state, notice).await? {
                    Some(outcome) => report.add(outcome),
                    None => report.skipped += 1,
                }
            }
        }
        // Auto Pay charges only where the location takes payments.
        if !client.location.accepts_payments {
            continue;
        }
        for vehicle in &client.vehicles {
            let Some(paid_through) = vehicle.paid_through else {
                continue;
            };
            if !autopay_notice_due(today, paid_through, days) {
                continue;
            }
            let Some(amount) = amount_due(&client, vehicle) else {
                report.skipped += 1;
                continue;
            };
            let on = paid_through - Duration::days(1);
            let label = sms_templates::vehicle_label(&vehicle.description);
            let body = sms_templates::autopay_upcoming(
                client.language,
                &settings.company_name,
                amount,
                &card_text,
                on,
                &label,
            );
            let day = sms_templates::date_words(Language::En, on);
            let notice = Notice {
                kind: NoticeKind::AutopayUpcoming,
                client: &client,
                subject_id: vehicle.id,
                period: paid_through.to_string(),
                body,
                summary: format!("Auto Pay notice: {amount} to {card_words} on {day} ({label})"),
                log: format!("Notice of the Auto Pay charge of {amount} to {card_words} on {day} for the {label}"),
            };
            match record(state, notice).await? {
                Some(outcome) => report.add(outcome),
                None => report.skipped += 1,
            }
        }
    }
    Ok(report)
}

/// Texts the client that the Auto Pay charge of `amount` to the card
/// (`brand`, `last4`) for `vehicle_id`'s period `period` was declined, and
/// how to pay, with a Client Log line (also when nothing could be texted).
/// Once per vehicle and period.
pub async fn autopay_declined(
    state: &AppState,
    client: &Client,
    vehicle_id: Uuid,
    period: &str,
    amount: Cents,
    (brand, last4): (&str, &str),
) -> Result<(), StoreError> {
    let settings = &state.settings;
    let card_words = sms_templates::card_label(Language::En, brand, last4);
    let card_text = sms_templates::card_label(client.language, brand, last4);
    let label = client.vehicle(vehicle_id).map_or_else(
        || "vehicle".to_owned(),
        |v| sms_templates::vehicle_label(&v.description),
    );
    let body = sms_templates::autopay_declined(
        client.language,
        &settings.company_name,
        amount,
        &card_text,
        &label,
    );
    let notice = Notice {
        kind: NoticeKind::AutopayDeclined,
        client,
        subject_id: vehicle_id,
        period: period.to_owned(),
        body,
        summary: format!("Auto Pay declined: {amount} to {card_words} ({label})"),
        log: format!(
            "Auto Pay charge of {amount} to {card_words} for the {label} declined; how to pay (reply PAY, or update the card)"
        ),
    };
    let unsent = match record(state, notice).await? {
        Some(NoticeOutcome::Queued | NoticeOutcome::AlreadySent) => None,
        Some(NoticeOutcome::OptedOut) => Some("the phone opted out of texts"),
        None => Some("the client's phone cannot be texted"),
    };
    if let Some(why) = unsent {
        let message = format!(
            "Auto Pay charge of {amount} to {card_words} for the {label} declined; not texted: {why}"
        );
        state
            .store
            .add_log(
                &NewLogEntry::by(&Actor::System, client.id, message),
                state.clock.now(),
            )
            .await?;
    }
    Ok(())
}

/// Queues the notices of declined Auto Pay charges still owed one (each
/// decline is kept as owed in the transaction that fails its payment), and
/// answers how many it queued or found needing none. The status sync runs it
/// every `STATUS_SYNC_INTERVAL_SECONDS`: a decline it learnt itself (the
/// first answer was lost), or one whose notice the Auto Pay run could not
/// queue (the database refused it, the process stopped), is texted then. A
/// notice that fails again stays owed for the next run.
///
/// Each owed notice is claimed first ([`claim_decline_notice`]), so two
/// status syncs at once (two instances), or a sync and the Auto Pay run that
/// declined the charge, handle it once: one texts it, or logs once that it
/// could not be texted.
pub async fn send_decline_notices_due(state: &AppState) -> Result<usize, StoreError> {
    let mut done = 0;
    for due in state.store.decline_notices_due(state.clock.now()).await? {
        if !claim_decline_notice(state, due.payment_id).await? {
            continue;
        }
        match decline_notice(state, &due).await {
            Ok(()) => {
                state.store.decline_notice_done(due.payment_id).await?;
                done += 1;
            }
            Err(error) => {
                let payment_id = due.payment_id;
                tracing::error!(%payment_id, %error, "the notice of a declined Auto Pay charge could not be queued; the next status sync tries again");
                state
                    .store
                    .release_decline_notice(payment_id, state.clock.now())
                    .await?;
            }
        }
    }
    Ok(done)
}

/// How long a claim on an owed decline notice holds: longer than queueing
/// one notice takes, short enough that a notice whose holder stopped is
/// texted by a status sync soon after.
const DECLINE_NOTICE_CLAIM: Duration = Duration::minutes(5);

/// Takes the owed notice of declined payment `payment_id` for
/// [`DECLINE_NOTICE_CLAIM`]: true for exactly one caller of any at once
/// ([`crate::store::NoticeStore::claim_decline_notice`]). The holder texts
/// it, then marks it done, or releases it when it could not be queued.
pub async fn claim_decline_notice(state: &AppState, payment_id: Uuid) -> Result<bool, StoreError> {
    let now = state.clock.now();
    state
        .store
        .claim_decline_notice(payment_id, now, now + DECLINE_NOTICE_CLAIM)
        .await
}

/// The notice of a declined Auto Pay payment: [`autopay_declined`] for the
/// period and amount of the charge that was declined (the period kept with
/// the payment, `due.period`), whatever the vehicle's state is now. A
/// payment written before the period was kept falls back to the vehicle's
/// paid-through date now. None once the vehicle was paid after the
/// decline, or is gone.
async fn decline_notice(state: &AppState, due: &DeclineNoticeDue) -> Result<(), StoreError> {
    let payment_id = due.payment_id;
    let Some(payment) = state.store.payment(payment_id).await? else {
        return Ok(());
    };
    let Some(vehicle_id) = payment.vehicle_id else {
        return Ok(());
    };
    let Some(client) = state.store.client(payment.client_id).await? else {
        return Ok(());
    };
    let Some(vehicle) = client.vehicle(vehicle_id) else {
        return Ok(());
    };
    let paid_since = state
        .store
        .client_payments(client.id)
        .await?
        .iter()
        .any(|p| {
            p.vehicle_id == Some(vehicle_id)
                && p.status == crate::domain::PaymentStatus::Succeeded
                && p.created_at > payment.created_at
        });
    if paid_since {
        return Ok(());
    }
    let period = due
        .period
        .clone()
        .unwrap_or_else(|| crate::domain::period_key(vehicle.paid_through));
    let fallback = autopay_card(&client);
    let brand = payment
        .card_brand
        .clone()
        .or_else(|| fallback.map(|c| c.brand.clone()))
        .unwrap_or_default();
    let last4 = payment
        .card_last4
        .clone()
        .or_else(|| fallback.map(|c| c.last4.clone()))
        .unwrap_or_default();
    autopay_declined(
        state,
        &client,
        vehicle_id,
        &period,
        payment.amount_cents,
        (&brand, &last4),
    )
    .await
}

/// Runs the reminders and the Auto Pay notices once for every location, each
/// on its own business day (`payments-api notices run`): safe to repeat.
pub async fn run(state: &AppState) -> Result<NoticeReport, StoreError> {
    let mut report = NoticeReport::default();
    for (location_id, time_zone) in state.store.location_time_zones().await? {
        let zone = LocationTimeZone::or_utc(&time_zone);
        report.merge(send_reminders(state, location_id, zone).await?);
        report.merge(send_autopay_notices(state, location_id, zone).await?);
    }
    Ok(report)
}

/// The next Auto Pay charge of a client, as PLUS Web shows it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NextAutopayCharge {
    /// The business day (the location's calendar) Auto Pay charges on.
    pub date: NaiveDate,
    pub vehicle_id: Uuid,
    /// What the charge comes to today (the client's usual period, with past
    /// due and credit); it may change before the day.
    #[schema(value_type = crate::domain::Cents, example = 10284)]
    pub amount_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
    pub card: Card,
}

/// The last reminder or notice texted to a client.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LastNotice {
    pub kind: NoticeKind,
    /// What it said, in short ("Payment reminder: $176.49 due by Dec 12 (2019 Toyota Camry)").
    #[schema(example = "Payment reminder: $176.49 due by Dec 12 (2019 Toyota Camry)")]
    pub summary: String,
    /// When it was queued (UTC).
    pub sent_at: chrono::DateTime<chrono::Utc>,
    /// The number it went to, masked: `(•••) •••-0143`.
    #[schema(example = "(•••) •••-0143")]
    pub to_phone: String,
    /// Its text message's status: `queued`, `sending`, `sent`, `delivered` or `failed`.
    #[schema(example = "delivered")]
    pub sms_status: String,
    /// The vehicle it was about (null for a card's expiry).
    pub vehicle_id: Option<Uuid>,
}

/// What PLUS Web's client page shows about the texts a client gets
/// (issue 19, item 8; `get_client_reminders`).
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ClientReminders {
    /// The client's phone answered STOP: no reminder, notice, receipt or
    /// payment link is texted to it until it answers START.
    pub sms_opted_out: bool,
    /// When it opted out (UTC), if it did.
    pub sms_opted_out_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Null when the client is not on Auto Pay, has no usable Auto Pay card,
    /// or their location takes no payments online.
    pub next_autopay_charge: Option<NextAutopayCharge>,
    /// Null when nothing was ever sent.
    pub last_notice: Option<LastNotice>,
}

/// The client's text opt-out, next Auto Pay charge and last notice
/// (`404 client_not_found`).
pub async fn client_reminders(
    state: &AppState,
    client_id: Uuid,
) -> crate::error::ApiResult<ClientReminders> {
    let client = state
        .store
        .client(client_id)
        .await?
        .ok_or(crate::error::CLIENT_NOT_FOUND)?;
    let opted_out_at = match PhoneNumber::parse(&client.phone) {
        Ok(phone) => state.store.sms_opted_out_at(&phone.to_string()).await?,
        Err(_) => None,
    };
    let last_notice = state
        .store
        .last_notice(client.id)
        .await?
        .map(|row| LastNotice {
            kind: row.kind,
            summary: row.summary,
            sent_at: row.sent_at,
            to_phone: PhoneNumber::parse(&row.to_phone)
                .map(|p| p.masked())
                .unwrap_or_default(),
            sms_status: row.sms_status,
            vehicle_id: row.vehicle_id,
        });
    Ok(ClientReminders {
        sms_opted_out: opted_out_at.is_some(),
        sms_opted_out_at: opted_out_at,
        next_autopay_charge: next_autopay_charge(state, &client),
        last_notice,
    })
}

/// The signed-in client's Auto Pay as My Account shows it (issue 18): whether
/// it is on, the card it charges, and its next charge, the same one staff see
/// in `get_client_reminders` ([`next_autopay_charge`]).
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MyAutopay {
    /// Auto Pay is on with a card on file.
    pub autopay_enabled: bool,
    /// The card Auto Pay charges; null when Auto Pay is off or its card was
    /// removed.
    pub card: Option<Card>,
    /// Null when Auto Pay is off, has no usable card, nothing is due, or the
    /// client's location takes no payments online.
    pub next_charge: Option<NextAutopayCharge>,
}

/// The client's Auto Pay status and next charge (`404 client_not_found`).
pub async fn my_autopay(state: &AppState, client_id: Uuid) -> crate::error::ApiResult<MyAutopay> {
    let client = state
        .store
        .client(client_id)
        .await?
        .ok_or(crate::error::CLIENT_NOT_FOUND)?;
    let enabled = on_autopay(&client);
    Ok(MyAutopay {
        autopay_enabled: enabled,
        card: enabled.then(|| autopay_card(&client).cloned()).flatten(),
        next_charge: next_autopay_charge(state, &client),
    })
}

/// The earliest charge Auto Pay will make for the client (see
/// [`crate::domain::notice::autopay_charge_date`]).
fn next_autopay_charge(state: &AppState, client: &Client) -> Option<NextAutopayCharge> {
    if !on_autopay(client) || !client.location.accepts_payments {
        return None;
    }
    let card = autopay_card(client)?;
    let zone = LocationTimeZone::or_utc(&client.location.time_zone);
    let today = BusinessDay::at(state.clock.now(), zone);
    client
        .vehicles
        .iter()
        .filter_map(|vehicle| {
            let date = crate::domain::notice::autopay_charge_date(
                vehicle.paid_through.unwrap_or(today),
                today,
            );
            Some((date, vehicle, amount_due(client, vehicle)?))
        })
        .min_by_key(|(date, vehicle, _)| (*date, vehicle.id))
        .map(|(date, vehicle, amount)| NextAutopayCharge {
            date,
            vehicle_id: vehicle.id,
            amount_cents: amount,
            currency: client.currency.clone(),
            card: card.clone(),
        })
}
