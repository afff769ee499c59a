//! Reminders with reply-to-pay and Auto Pay notices (issue 19, items 3, 4
//! and 8): each once per vehicle and period whatever the number of runs or
//! instances, none to an opted-out phone, PAY answered with one link, and
//! what PLUS Web's client page shows (`get_client_reminders`).

use crate::support::twilio::{text_us, TwilioFake};
use crate::support::*;
use chrono::{Duration, NaiveDate};
use payments_api::domain::{BusinessDay, LocationTimeZone};
use payments_api::services::notices::{self, NoticeReport};
use std::time::Duration as StdDuration;

const DANA_PHONE: &str = "+15125550143";
const MORGAN_PHONE: &str = "+15125550177";
const RILEY_PHONE: &str = "+15125550162";
const ELLIS_PHONE: &str = "+19155550188";

fn austin() -> LocationTimeZone {
    LocationTimeZone::parse(AUSTIN_TIME_ZONE).expect("Austin's zone")
}

/// Austin's business day at the app's clock.
fn austin_today(app: &TestApp) -> NaiveDate {
    BusinessDay::at(app.clock.now(), austin())
}

async fn reminders(app: &TestApp) -> NoticeReport {
    app.job(notices::send_reminders(&app.state, AUSTIN, austin()))
        .await
        .expect("reminders")
}

async fn autopay_notices(app: &TestApp) -> NoticeReport {
    app.job(notices::send_autopay_notices(&app.state, AUSTIN, austin()))
        .await
        .expect("Auto Pay notices")
}

/// The texts sent to `phone` so far (after sending what is queued).
async fn texts_to(app: &TestApp, phone: &str) -> Vec<String> {
    app.drain_outbox().await;
    app.sms
        .sent()
        .into_iter()
        .filter(|m| m.to == phone)
        .map(|m| m.body)
        .collect()
}

async fn client_reminders(app: &TestApp, client: uuid::Uuid) -> Reply {
    let staff = app.agent_token().await;
    app.get(&format!("/api/v1/clients/{client}/reminders"), Some(&staff))
        .await
}

/// Sets a vehicle's paid-through date behind the app's back.
async fn paid_through(app: &TestApp, vehicle: uuid::Uuid, date: NaiveDate) {
    let id = if on_postgres(app) {
        format!("'{vehicle}'")
    } else {
        format!("x'{}'", vehicle.simple())
    };
    execute_sql(
        app,
        &format!("update vehicles set paid_through = '{date}' where id = {id}"),
    )
    .await;
}

fn id_literal(app: &TestApp, id: uuid::Uuid) -> String {
    if on_postgres(app) {
        format!("'{id}'")
    } else {
        format!("x'{}'", id.simple())
    }
}

#[tokio::test]
async fn a_payment_reminder_goes_once_three_days_before_the_paid_through_date() {
    let app = spawn_app().await;
    // Riley's Wrangler is paid through 9 days from now (Austin's day).
    app.clock.advance(Duration::days(5));
    assert_eq!(reminders(&app).await.queued, 0, "4 days before: not yet");
    assert!(texts_to(&app, RILEY_PHONE).await.is_empty());

    app.clock.advance(Duration::days(1));
    let first = reminders(&app).await;
    assert_eq!(first.queued, 1, "{first:?}");
    let again = reminders(&app).await;
    assert_eq!((again.queued, again.already_sent), (0, 1));
    app.clock.advance(Duration::days(1));
    assert_eq!(
        reminders(&app).await.queued,
        0,
        "the next day: sent already"
    );

    let texts = texts_to(&app, RILEY_PHONE).await;
    assert_eq!(texts.len(), 1, "{texts:?}");
    let due_by = austin_today(&app) + Duration::days(2);
    let text = &texts[0];
    assert!(text.contains("2017 Jeep Wrangler"), "{text}");
    assert!(
        text.contains(&format!("due by {}", due_by.format("%b %-d"))),
        "{text}"
    );
    assert!(
        text.ends_with("Reply PAY for a secure payment link."),
        "{text}"
    );
    assert!(payments_api::domain::sms_length(text).segments <= 2);
    assert!(texts_to(&app, DANA_PHONE).await.is_empty());
    assert!(
        texts_to(&app, MORGAN_PHONE).await.is_empty(),
        "on Auto Pay: no reminder"
    );

    let staff = app.agent_token().await;
    let log = app.client_log(&staff, RILEY).await;
    assert!(
        log.iter()
            .any(|l| l.starts_with("Payment reminder") && l.contains("•••-0162")),
        "{log:?}"
    );
    let shown = client_reminders(&app, RILEY).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body["sms_opted_out"], false);
    assert_eq!(shown.body["last_notice"]["kind"], "payment_reminder");
    assert_eq!(shown.body["last_notice"]["to_phone"], "(•••) •••-0162");
    assert_eq!(shown.body["next_autopay_charge"], serde_json::Value::Null);
}

#[tokio::test]
async fn two_instances_running_reminders_at_once_send_one() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    app.clock.advance(Duration::days(6));
    other.clock.advance(Duration::days(6));
    let (a, b) = tokio::join!(reminders(&app), reminders(&other));
    assert_eq!(a.queued + b.queued, 1, "{a:?} {b:?}");
    assert_eq!(a.already_sent + b.already_sent, 1, "{a:?} {b:?}");
    app.drain_outbox().await;
    other.drain_outbox().await;
    let sent: usize = [&app, &other]
        .iter()
        .map(|i| i.sms.sent().iter().filter(|m| m.to == RILEY_PHONE).count())
        .sum();
    assert_eq!(sent, 1);
}

#[tokio::test]
async fn two_schedulers_run_the_reminders_job_once() {
    use payments_api::services::jobs::{run_if_due, Job};
    let app = spawn_app_with(&[("NOTICES_LOCAL_TIME", "00:00")]).await;
    let other = app.another_instance().await;
    app.clock.advance(Duration::days(6));
    other.clock.advance(Duration::days(6));
    let job = Job::Reminders {
        location_id: AUSTIN,
        zone: austin(),
    };
    let (a, b) = tokio::join!(
        app.job(run_if_due(&app.state, "instance-a", &job)),
        other.job(run_if_due(&other.state, "instance-b", &job)),
    );
    assert!(a.expect("a") || b.expect("b"), "the job ran");
    let count: Vec<(i64,)> = query_rows(
        &app,
        "select count(*) from sms_notices where kind = 'payment_reminder'",
    )
    .await;
    assert_eq!(count[0].0, 1);
}

#[tokio::test]
async fn an_opted_out_phone_gets_no_reminder_and_staff_see_it() {
    let app = spawn_app().await;
    app.store
        .set_sms_opt_out(RILEY_PHONE, true, app.clock.now())
        .await
        .expect("opt out");
    app.clock.advance(Duration::days(6));
    let report = reminders(&app).await;
    assert_eq!((report.queued, report.opted_out), (0, 1), "{report:?}");
    assert!(texts_to(&app, RILEY_PHONE).await.is_empty());
    let shown = client_reminders(&app, RILEY).await;
    assert_eq!(shown.body["sms_opted_out"], true, "{}", shown.body);
    assert!(shown.body["sms_opted_out_at"].is_string());
    assert_eq!(shown.body["last_notice"], serde_json::Value::Null);

    // Opted back in within the window: the next run sends it, once.
    app.store
        .set_sms_opt_out(RILEY_PHONE, false, app.clock.now())
        .await
        .expect("opt in");
    assert_eq!(reminders(&app).await.queued, 1);
    assert_eq!(texts_to(&app, RILEY_PHONE).await.len(), 1);
}

#[tokio::test]
async fn the_auto_pay_notice_says_what_will_be_charged_to_which_card_and_when_once() {
    let app = spawn_app().await;
    let today = austin_today(&app);
    // Charged the day before the paid-through date: in 3 days.
    paid_through(&app, MORGAN_OUTBACK, today + Duration::days(4)).await;
    assert_eq!(autopay_notices(&app).await.queued, 1);
    assert_eq!(autopay_notices(&app).await.queued, 0);
    let texts = texts_to(&app, MORGAN_PHONE).await;
    assert_eq!(texts.len(), 1, "{texts:?}");
    let on = (today + Duration::days(3)).format("%b %-d").to_string();
    assert!(
        texts[0].contains("Auto Pay will charge $")
            && texts[0].contains(&format!("to Mastercard ending 4444 on {on}")),
        "{}",
        texts[0]
    );
    let shown = client_reminders(&app, MORGAN).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let next = &shown.body["next_autopay_charge"];
    assert_eq!(
        next["date"],
        (today + Duration::days(3)).to_string(),
        "{next}"
    );
    assert_eq!(next["card"]["last4"], "4444");
    assert_eq!(next["vehicle_id"], MORGAN_OUTBACK.to_string());
    assert!(next["amount_cents"].as_i64().unwrap_or_default() > 0);
    assert_eq!(shown.body["last_notice"]["kind"], "autopay_upcoming");

    // An opted-out phone gets none: the next period's notice is not sent.
    app.store
        .set_sms_opt_out(MORGAN_PHONE, true, app.clock.now())
        .await
        .expect("opt out");
    paid_through(&app, MORGAN_OUTBACK, today + Duration::days(3)).await;
    let report = autopay_notices(&app).await;
    assert_eq!((report.queued, report.opted_out), (0, 1), "{report:?}");
}

#[tokio::test]
async fn the_auto_pay_card_is_announced_once_when_it_expires_within_30_days() {
    let app = spawn_app().await;
    let today = austin_today(&app);
    use chrono::Datelike;
    execute_sql(
        &app,
        &format!(
            "update cards set exp_month = {}, exp_year = {} where id = {}",
            today.month(),
            today.year(),
            id_literal(&app, MORGAN_MASTERCARD)
        ),
    )
    .await;
    assert_eq!(autopay_notices(&app).await.queued, 1);
    assert_eq!(autopay_notices(&app).await.queued, 0);
    let texts = texts_to(&app, MORGAN_PHONE).await;
    assert_eq!(texts.len(), 1, "{texts:?}");
    let expiry = format!("{:02}/{}", today.month(), today.year());
    assert!(
        texts[0].contains(&format!(
            "your Auto Pay card, Mastercard ending 4444, expires {expiry}"
        )) && texts[0].contains("/my-account/"),
        "{}",
        texts[0]
    );
    assert!(
        texts_to(&app, DANA_PHONE).await.is_empty(),
        "not on Auto Pay"
    );
}

/// Morgan's Auto Pay card (Mastercard 4444) is declined from now on.
async fn decline_morgans_card(app: &TestApp) {
    execute_sql(
        app,
        &format!(
            "update cards set gateway_token = 'card_sbx_decline_mastercard_4444_082029_demo' where id = {}",
            id_literal(app, MORGAN_MASTERCARD)
        ),
    )
    .await;
}

#[tokio::test]
async fn a_declined_auto_pay_charge_texts_how_to_pay_and_logs_it_once() {
    let app = spawn_app().await;
    decline_morgans_card(&app).await;
    let report = app.run_autopay().await;
    assert_eq!(report.failed, 1, "{report:?}");
    app.run_autopay().await;
    let texts = texts_to(&app, MORGAN_PHONE).await;
    let declined: Vec<_> = texts
        .iter()
        .filter(|t| t.contains("Auto Pay could not charge"))
        .collect();
    assert_eq!(declined.len(), 1, "{texts:?}");
    assert!(
        declined[0].contains("Mastercard ending 4444") && declined[0].contains("Reply PAY"),
        "{}",
        declined[0]
    );
    let staff = app.agent_token().await;
    let log = app.client_log(&staff, MORGAN).await;
    assert!(
        log.iter()
            .any(|l| l.contains("declined") && l.contains("texted to")),
        "{log:?}"
    );
    let shown = client_reminders(&app, MORGAN).await;
    assert_eq!(shown.body["last_notice"]["kind"], "autopay_declined");
}

/// Makes the database refuse every new notice, as a failing store would.
async fn refuse_notices(app: &TestApp) {
    if on_postgres(app) {
        execute_sql(
            app,
            "create function refuse_notice() returns trigger language plpgsql as \
             $$ begin raise exception 'notices refused'; end $$",
        )
        .await;
        execute_sql(
            app,
            "create trigger refuse_notices before insert on sms_notices \
             for each row execute function refuse_notice()",
        )
        .await;
    } else {
        execute_sql(
            app,
            "create trigger refuse_notices before insert on sms_notices \
             begin select raise(abort, 'notices refused'); end",
        )
        .await;
    }
}

#[tokio::test]
async fn a_decline_notice_that_could_not_be_queued_is_queued_by_the_next_status_sync() {
    let app = spawn_app().await;
    decline_morgans_card(&app).await;
    refuse_notices(&app).await;
    let report = app.run_autopay().await;
    assert_eq!(report.failed, 1, "{report:?}");
    let declined = |texts: Vec<String>| {
        texts
            .into_iter()
            .filter(|t| t.contains("Auto Pay could not charge"))
            .count()
    };
    assert_eq!(declined(texts_to(&app, MORGAN_PHONE).await), 0);

    // The store takes notices again: the status sync, not tomorrow's Auto
    // Pay run, texts the decline, once.
    let allow = if on_postgres(&app) {
        "drop trigger refuse_notices on sms_notices"
    } else {
        "drop trigger refuse_notices"
    };
    execute_sql(&app, allow).await;
    app.sync_payments().await;
    assert_eq!(declined(texts_to(&app, MORGAN_PHONE).await), 1);
    app.sync_payments().await;
    app.run_autopay().await;
    assert_eq!(declined(texts_to(&app, MORGAN_PHONE).await), 1);
    assert_eq!(app.gateway.captured_charges(), 0);
}

/// Morgan's Auto Pay charge is declined while the store refuses notices:
/// the decline is owed its notice, and the store takes notices again.
async fn a_decline_owed_its_notice(app: &TestApp) {
    decline_morgans_card(app).await;
    refuse_notices(app).await;
    let report = app.run_autopay().await;
    assert_eq!(report.failed, 1, "{report:?}");
    let allow = if on_postgres(app) {
        "drop trigger refuse_notices on sms_notices"
    } else {
        "drop trigger refuse_notices"
    };
    execute_sql(app, allow).await;
}

#[derive(sqlx::FromRow)]
struct Period {
    period: Option<String>,
}

#[tokio::test]
async fn an_owed_decline_notice_names_the_declined_charges_period_not_the_vehicles_now() {
    let app = spawn_app().await;
    a_decline_owed_its_notice(&app).await;
    let charged: Vec<Period> = query_rows(
        &app,
        "select period from payments where method = 'autopay' and status = 'failed'",
    )
    .await;
    let charged = charged
        .first()
        .and_then(|p| p.period.clone())
        .expect("the declined charge keeps its period");
    // A credit applied to the vehicle moves its paid-through date before the
    // status sync queues the notice: no payment succeeded since the decline.
    execute_sql(
        &app,
        &format!(
            "update vehicles set paid_through = '2099-01-01' where client_id = {}",
            id_literal(&app, MORGAN)
        ),
    )
    .await;
    app.sync_payments().await;
    let texted: Vec<Period> = query_rows(
        &app,
        "select period from sms_notices where kind = 'autopay_declined'",
    )
    .await;
    let texted: Vec<_> = texted.into_iter().map(|p| p.period).collect();
    assert_eq!(texted, vec![Some(charged)], "the charge's period, once");
    let texts = texts_to(&app, MORGAN_PHONE).await;
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("Auto Pay could not charge"))
            .count(),
        1,
        "{texts:?}"
    );
}

#[tokio::test]
async fn two_status_syncs_at_once_handle_an_owed_decline_notice_once() {
    let app = spawn_app().await;
    a_decline_owed_its_notice(&app).await;
    app.store
        .set_sms_opt_out(MORGAN_PHONE, true, app.clock.now())
        .await
        .expect("opt out");
    let other = app.another_instance().await;
    tokio::join!(app.sync_payments(), other.sync_payments());
    app.sync_payments().await;
    let staff = app.agent_token().await;
    let log = app.client_log(&staff, MORGAN).await;
    let not_texted: Vec<_> = log
        .iter()
        .filter(|l| l.contains("declined; not texted"))
        .collect();
    assert_eq!(not_texted.len(), 1, "{log:?}");
    assert!(texts_to(&app, MORGAN_PHONE).await.is_empty());
}

#[tokio::test]
async fn pay_from_a_known_phone_sends_one_link_and_a_second_pay_none() {
    let twilio = TwilioFake::start().await;
    let app = twilio.app(&[]).await;
    let (status, twiml) = text_us(&app, DANA_PHONE, "  pay ", None).await;
    assert_eq!(status, 200, "{twiml}");
    assert!(
        twiml.contains("<Response/>"),
        "the link's text answers: {twiml}"
    );
    let token = eventually("the link texted", StdDuration::from_secs(10), || async {
        app.drain_outbox().await;
        app.sms
            .sent()
            .iter()
            .filter(|m| m.to == DANA_PHONE)
            .find_map(SentSms::link_token)
    })
    .await;
    // The due vehicle: the lapsed Camry.
    let opened = app.open_link(&token).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(
        opened.body["vehicle_description"], "2019 Toyota Camry",
        "{}",
        opened.body
    );

    let (status, twiml) = text_us(&app, DANA_PHONE, "PAY", None).await;
    assert_eq!(status, 200);
    assert!(twiml.contains("works for 10 more minutes"), "{twiml}");
    app.drain_outbox().await;
    let links = app
        .sms
        .sent()
        .iter()
        .filter(|m| m.to == DANA_PHONE && m.link_token().is_some())
        .count();
    assert_eq!(links, 1, "no second live link");

    let staff = app.agent_token().await;
    let log = app.client_log(&staff, DANA).await;
    assert!(
        log.iter().any(|l| l.contains("requested by text (PAY)")),
        "{log:?}"
    );
    // Staff see who sent it: the client, by replying PAY from their own phone.
    let links = app
        .get(
            &format!("/api/v1/clients/{DANA}/payment-links"),
            Some(&staff),
        )
        .await;
    assert_eq!(links.body[0]["sent_by"]["via"], "reply", "{}", links.body);
    assert_eq!(links.body[0]["sent_by"]["name"], "Dana Whitfield");
    assert_eq!(links.body[0]["payer"], "client");
}

#[tokio::test]
async fn pay_from_an_unknown_phone_or_a_location_refusing_is_answered_not_failed() {
    let twilio = TwilioFake::start().await;
    let app = twilio.app(&[]).await;
    let (status, twiml) = text_us(&app, "+15125559999", "PAY", None).await;
    assert_eq!(status, 200, "{twiml}");
    assert!(
        twiml.contains("we could not find an account for this number"),
        "{twiml}"
    );
    let (status, twiml) = text_us(&app, ELLIS_PHONE, "pay", None).await;
    assert_eq!(status, 200, "{twiml}");
    assert!(
        twiml.contains("payments by text are not available"),
        "{twiml}"
    );
    app.drain_outbox().await;
    assert!(app.sms.sent().iter().all(|m| m.link_token().is_none()));
}

#[tokio::test]
async fn pay_beyond_the_clients_daily_links_is_answered_with_a_call() {
    let twilio = TwilioFake::start().await;
    let app = twilio.app(&[("LINK_SENDS_PER_CLIENT_PER_DAY", "1")]).await;
    app.start_of_window(24 * 60);
    let (_, twiml) = text_us(&app, DANA_PHONE, "PAY", None).await;
    assert!(twiml.contains("<Response/>"), "{twiml}");
    // The first link expires; a new PAY the same day is over the limit.
    app.clock.advance(Duration::minutes(11));
    let (status, twiml) = text_us(&app, DANA_PHONE, "PAY", None).await;
    assert_eq!(status, 200, "{twiml}");
    assert!(
        twiml.contains("too many payment links were requested today"),
        "{twiml}"
    );
}

#[tokio::test]
async fn pay_from_an_opted_out_phone_sends_nothing() {
    let twilio = TwilioFake::start().await;
    let app = twilio.app(&[]).await;
    text_us(&app, DANA_PHONE, "STOP", None).await;
    let (status, twiml) = text_us(&app, DANA_PHONE, "PAY", None).await;
    assert_eq!(status, 200);
    assert!(twiml.contains("<Response/>"), "{twiml}");
    app.drain_outbox().await;
    assert!(app.sms.sent().iter().all(|m| m.to != DANA_PHONE));
}

/// The sandbox, except that the first charge's answer is lost (the charge
/// never reached it): the payment stays open until the status sync repeats it.
struct LosesFirstAnswer {
    sandbox: payments_api::gateway::SandboxGateway,
    lost: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl payments_api::gateway::PaymentGateway for LosesFirstAnswer {
    fn name(&self) -> &'static str {
        "sandbox"
    }
    async fn charge(
        &self,
        request: &payments_api::gateway::ChargeRequest<'_>,
    ) -> Result<payments_api::gateway::ChargeOutcome, payments_api::gateway::GatewayError> {
        if !self.lost.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Err(payments_api::gateway::GatewayError::OutcomeUnknown);
        }
        self.sandbox.charge(request).await
    }
    async fn lookup(
        &self,
        key: &payments_api::domain::ChargeKey,
    ) -> Result<Option<payments_api::gateway::ChargeOutcome>, payments_api::gateway::GatewayError>
    {
        self.sandbox.lookup(key).await
    }
    async fn save_card(
        &self,
        token: &str,
        customer: &str,
    ) -> Result<payments_api::gateway::SavedCard, payments_api::gateway::GatewayError> {
        self.sandbox.save_card(token, customer).await
    }
    async fn detach_card(
        &self,
        gateway_token: &str,
    ) -> Result<(), payments_api::gateway::GatewayError> {
        self.sandbox.detach_card(gateway_token).await
    }
    async fn customer(
        &self,
        client_ref: &str,
    ) -> Result<String, payments_api::gateway::GatewayError> {
        self.sandbox.customer(client_ref).await
    }
    async fn retrieve(
        &self,
        reference: &str,
    ) -> Result<payments_api::gateway::ChargeOutcome, payments_api::gateway::GatewayError> {
        self.sandbox.retrieve(reference).await
    }
    async fn cancel(
        &self,
        reference: &str,
    ) -> Result<payments_api::gateway::ChargeOutcome, payments_api::gateway::GatewayError> {
        self.sandbox.cancel(reference).await
    }
    async fn refund(
        &self,
        request: &payments_api::gateway::RefundRequest<'_>,
    ) -> Result<payments_api::gateway::RefundOutcome, payments_api::gateway::GatewayError> {
        self.sandbox.refund(request).await
    }
    async fn lookup_refund(
        &self,
        charge_reference: &str,
        key: &str,
    ) -> Result<Option<payments_api::gateway::RefundOutcome>, payments_api::gateway::GatewayError>
    {
        self.sandbox.lookup_refund(charge_reference, key).await
    }
}

#[tokio::test]
async fn a_decline_the_status_sync_learns_later_is_texted_once_too() {
    let gateway = std::sync::Arc::new(LosesFirstAnswer {
        sandbox: payments_api::gateway::SandboxGateway::default(),
        lost: std::sync::atomic::AtomicBool::new(false),
    });
    let app = spawn_app_with_gateway(&[], gateway).await;
    decline_morgans_card(&app).await;
    let report = app.run_autopay().await;
    assert_eq!(report.pending, 1, "the answer was lost: {report:?}");
    assert!(texts_to(&app, MORGAN_PHONE)
        .await
        .iter()
        .all(|t| !t.contains("could not charge")));

    app.clock.advance(Duration::minutes(5));
    app.sync_payments().await;
    app.sync_payments().await;
    let declined: Vec<_> = texts_to(&app, MORGAN_PHONE)
        .await
        .into_iter()
        .filter(|t| t.contains("Auto Pay could not charge"))
        .collect();
    assert_eq!(declined.len(), 1, "{declined:?}");
    assert!(
        declined[0].contains("Mastercard ending 4444"),
        "{}",
        declined[0]
    );
    // The next Auto Pay run charges this card no more this period, nor texts again.
    app.run_autopay().await;
    let again = texts_to(&app, MORGAN_PHONE)
        .await
        .into_iter()
        .filter(|t| t.contains("Auto Pay could not charge"))
        .count();
    assert_eq!(again, 1);
}

/// Books `vehicle`'s next service appointment at `hour:minute` on Austin's
/// clock, `days` business days from today, as staff would.
async fn book_appointment(
    app: &TestApp,
    client: uuid::Uuid,
    vehicle: uuid::Uuid,
    days: i64,
    (hour, minute): (u32, u32),
) {
    use chrono::TimeZone;
    let day = austin_today(app) + Duration::days(days);
    let starts_at = austin()
        .tz()
        .from_local_datetime(&day.and_hms_opt(hour, minute, 0).expect("a time of day"))
        .single()
        .expect("one instant")
        .to_rfc3339();
    let staff = app.agent_token().await;
    let booked = app
        .call(
            "PUT",
            &format!("/clients/{client}/vehicles/{vehicle}/next-appointment"),
        )
        .token(Some(&staff))
        .json(&serde_json::json!({ "starts_at": starts_at, "location_name": "Austin Central Service Center" }))
        .send()
        .await;
    assert_eq!(booked.status, 200, "{}", booked.body);
}

#[tokio::test]
async fn an_appointment_the_vehicle_is_not_paid_through_is_reminded_once_per_appointment_day() {
    let app = spawn_app().await;
    // Dana's Camry lapsed; its appointment is in 5 days at 10:00. Her F-150
    // is paid through its own appointment's day: nothing to say about it.
    assert_eq!(reminders(&app).await.queued, 0, "5 days before: not yet");
    app.clock.advance(Duration::days(2));
    let first = reminders(&app).await;
    assert_eq!(first.queued, 1, "{first:?}");
    assert_eq!(reminders(&app).await.already_sent, 1, "once");
    app.clock.advance(Duration::days(1));
    assert_eq!(
        reminders(&app).await.queued,
        0,
        "the next day: sent already"
    );
    let texts = texts_to(&app, DANA_PHONE).await;
    assert_eq!(texts.len(), 1, "{texts:?}");
    let day = austin_today(&app) + Duration::days(2);
    let text = &texts[0];
    assert!(
        text.contains(&format!(
            "your 2019 Toyota Camry has a service appointment on {} at 10:00 AM. Pay $",
            day.format("%b %-d")
        )),
        "{text}"
    );
    assert!(
        text.ends_with("Reply PAY for a secure payment link."),
        "{text}"
    );
    assert!(payments_api::domain::sms_length(text).segments <= 2);
    let staff = app.agent_token().await;
    let log = app.client_log(&staff, DANA).await;
    assert!(
        log.iter()
            .any(|l| l.starts_with("Appointment reminder") && l.contains("•••-0143")),
        "{log:?}"
    );
    let shown = client_reminders(&app, DANA).await;
    assert_eq!(shown.body["last_notice"]["kind"], "appointment_reminder");

    // Moved to another day: a new appointment, reminded again, in the
    // client's language, at the new local time.
    let patched = app
        .call("PATCH", &format!("/clients/{DANA}"))
        .token(Some(&staff))
        .json(&serde_json::json!({ "language": "es" }))
        .send()
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    book_appointment(&app, DANA, DANA_CAMRY, 3, (15, 30)).await;
    assert_eq!(reminders(&app).await.queued, 1);
    let texts = texts_to(&app, DANA_PHONE).await;
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(
        texts[1].contains("tiene cita de servicio el") && texts[1].contains("a las 3:30 p. m."),
        "{}",
        texts[1]
    );
}

#[tokio::test]
async fn no_appointment_reminder_once_the_vehicle_is_paid_through_it_or_on_auto_pay() {
    let app = spawn_app().await;
    // Paid through well past the appointment's day (and past the payment
    // reminder's window): nothing due before it.
    paid_through(&app, DANA_CAMRY, austin_today(&app) + Duration::days(15)).await;
    app.clock.advance(Duration::days(2));
    assert!(texts_to(&app, DANA_PHONE).await.is_empty());
    let report = reminders(&app).await;
    assert_eq!(report.queued, 0, "{report:?}");
    // Morgan is on Auto Pay: Auto Pay charges before the appointment.
    book_appointment(&app, MORGAN, MORGAN_OUTBACK, 2, (9, 0)).await;
    assert_eq!(reminders(&app).await.queued, 0);
    assert!(texts_to(&app, MORGAN_PHONE).await.is_empty());
}

#[tokio::test]
async fn a_vehicle_due_both_reminders_gets_one_text_a_day() {
    let app = spawn_app().await;
    // The Camry paid through the day before its appointment (in 5 days):
    // its payment reminder is due from tomorrow, its appointment's from the
    // day after.
    paid_through(&app, DANA_CAMRY, austin_today(&app) + Duration::days(4)).await;
    app.clock.advance(Duration::days(2));
    let both_due = reminders(&app).await;
    assert_eq!(both_due.queued, 1, "{both_due:?}");
    let texts = texts_to(&app, DANA_PHONE).await;
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(
        texts[0].contains("Reply PAY") && texts[0].contains("is due by"),
        "{}",
        texts[0]
    );
    app.clock.advance(Duration::days(1));
    assert_eq!(
        reminders(&app).await.queued,
        1,
        "the appointment's, the next day"
    );
    let texts = texts_to(&app, DANA_PHONE).await;
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[1].contains("service appointment"), "{}", texts[1]);
}
