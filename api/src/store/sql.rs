//! The SQL both stores share. It is written once, in the dialect common to
//! PostgreSQL and SQLite (`$n` parameters, lowercase SQL), and expanded for
//! each backend by `impl_store!`; what differs between them is passed in.

use super::{Result, StoreError};
use crate::domain::{
    Card, Cents, Client, ClientSummary, Invoice, Line, LineKind, LinkStatus, Location, LogEntry,
    MonitorDays, Payment, PaymentLink, PaymentMethod, PaymentStatus, Quote, SmsFailure,
    SmsFailureReason, TaxRate, Vehicle, CURRENCY,
};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(super) struct ClientRow {
    id: Uuid,
    first_name: String,
    last_name: String,
    phone: String,
    email: String,
    plan_days: i64,
    autopay_enabled: bool,
    autopay_card_id: Option<Uuid>,
    location_id: Uuid,
    location_name: String,
    accepts_payments: bool,
    tax_rate_ppm: i64,
    daily_rate_cents: Option<i64>,
    price_14_cents: Option<i64>,
    price_30_cents: Option<i64>,
    time_zone: String,
    past_due_cents: i64,
}

/// New charges invoiced to client `$1` (an invoice's carried-forward past due
/// is not a new charge).
macro_rules! invoiced {
    () => {
        "cast(coalesce((select sum(total_cents - past_due_cents) from invoices where client_id = $1 and status <> 'void'), 0) as bigint)"
    };
}

/// What client `$1` owes: new charges invoiced minus payments that succeeded.
macro_rules! owed {
    () => {
        concat!(
            invoiced!(),
            " - cast(coalesce((select sum(amount_cents) from payments where client_id = $1 and status = 'succeeded'), 0) as bigint)"
        )
    };
}

/// The past due balance of client `$1`: what they owe minus the past due that
/// open payments are collecting (it is theirs until they succeed or fail).
/// One look at the payments: quotes read it on every request.
macro_rules! past_due {
    () => {
        concat!(
            invoiced!(),
            " - cast(coalesce((select sum(case status when 'succeeded' then amount_cents else past_due_cents end) \
            from payments where client_id = $1 and status in ('succeeded', 'pending', 'unknown', 'requires_action')), 0) as bigint)"
        )
    };
}

/// The past due balance of client `$1` alone.
pub(super) const PAST_DUE_SQL: &str = concat!("select ", past_due!());
/// What client `$1` owes, alone.
pub(super) const OWED_SQL: &str = concat!("select ", owed!());

/// A client with their location and past due balance.
macro_rules! client_select {
    () => {
        concat!(
            "select c.id, c.first_name, c.last_name, c.phone, c.email, c.plan_days, \
            c.autopay_enabled, c.autopay_card_id, l.id as location_id, l.name as location_name, l.accepts_payments, \
            l.tax_rate_ppm, l.daily_rate_cents, l.price_14_cents, l.price_30_cents, l.time_zone, ",
            past_due!(),
            " as past_due_cents"
        )
    };
}

pub(super) const CLIENT_SQL: &str = concat!(
    client_select!(),
    " from clients c join locations l on l.id = c.location_id where c.id = $1"
);

/// The client row and one of their vehicles (`$2`; null when it is not theirs).
pub(super) const CLIENT_VEHICLE_SQL: &str = concat!(
    client_select!(),
    ", v.id as vehicle_id, v.description as vehicle_description, v.plate as vehicle_plate, \
    v.device_serial as vehicle_device_serial, v.paid_through as vehicle_paid_through \
    from clients c join locations l on l.id = c.location_id \
    left join vehicles v on v.id = $2 and v.client_id = c.id where c.id = $1"
);

#[derive(sqlx::FromRow)]
pub(super) struct ClientVehicleRow {
    #[sqlx(flatten)]
    client: ClientRow,
    vehicle_id: Option<Uuid>,
    vehicle_description: Option<String>,
    vehicle_plate: Option<String>,
    vehicle_device_serial: Option<String>,
    vehicle_paid_through: Option<NaiveDate>,
}

impl ClientVehicleRow {
    pub(super) fn into_client(self) -> Result<Client> {
        let vehicle = match (
            self.vehicle_id,
            self.vehicle_description,
            self.vehicle_device_serial,
        ) {
            (Some(id), Some(description), Some(device_serial)) => vec![VehicleRow {
                id,
                description,
                plate: self.vehicle_plate,
                device_serial,
                paid_through: self.vehicle_paid_through,
            }],
            _ => vec![],
        };
        client_from_rows(self.client, vehicle, vec![])
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct VehicleRow {
    id: Uuid,
    description: String,
    plate: Option<String>,
    device_serial: String,
    paid_through: Option<NaiveDate>,
}

pub(super) const VEHICLES_SQL: &str = "select id, description, plate, device_serial, paid_through \
    from vehicles where client_id = $1 order by created_at, description";

#[derive(sqlx::FromRow)]
pub(super) struct CardRow {
    id: Uuid,
    brand: String,
    last4: String,
    exp_month: i64,
    exp_year: i64,
}

pub(super) const CARDS_SQL: &str = "select id, brand, last4, exp_month, exp_year from cards \
    where client_id = $1 and deleted_at is null order by created_at";

#[derive(sqlx::FromRow)]
pub(super) struct ClientSummaryRow {
    id: Uuid,
    first_name: String,
    last_name: String,
    phone: String,
    email: String,
    location_name: String,
}

pub(super) const SEARCH_SQL: &str = "select c.id, c.first_name, c.last_name, c.phone, c.email, l.name as location_name \
    from clients c join locations l on l.id = c.location_id \
    where lower(c.first_name || ' ' || c.last_name) like $1 escape '\\' or lower(c.email) like $1 escape '\\' or c.phone like $2 \
    order by c.last_name, c.first_name limit $3";

/// `LIKE` patterns for a search box entry: the text anywhere in the name or
/// email, and its digits anywhere in the phone number (3 digits at least).
pub(super) fn search_patterns(query: &str) -> (String, String) {
    let escaped: String = query
        .trim()
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    // An empty pattern matches only an empty phone, which no client has.
    let phone = if digits.len() >= 3 {
        format!("%{digits}%")
    } else {
        String::new()
    };
    (format!("%{escaped}%"), phone)
}

impl From<ClientSummaryRow> for ClientSummary {
    fn from(r: ClientSummaryRow) -> Self {
        ClientSummary {
            id: r.id,
            first_name: r.first_name,
            last_name: r.last_name,
            phone: r.phone,
            email: r.email,
            location_name: r.location_name,
        }
    }
}

pub(super) fn client_from_rows(
    row: ClientRow,
    vehicles: Vec<VehicleRow>,
    cards: Vec<CardRow>,
) -> Result<Client> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("client {}: {what}", row.id));
    let plan_days = MonitorDays::parse(row.plan_days).ok_or_else(|| corrupt("plan_days"))?;
    let tax_rate = TaxRate::from_ppm(row.tax_rate_ppm).ok_or_else(|| corrupt("tax_rate_ppm"))?;
    Ok(Client {
        id: row.id,
        first_name: row.first_name,
        last_name: row.last_name,
        phone: row.phone,
        email: row.email,
        plan_days,
        autopay_enabled: row.autopay_enabled,
        autopay_card_id: row.autopay_card_id,
        location: Location {
            id: row.location_id,
            name: row.location_name,
            accepts_payments: row.accepts_payments,
            tax_rate_ppm: tax_rate,
            daily_rate_cents: row.daily_rate_cents.map(Cents),
            price_14_cents: row.price_14_cents.map(Cents),
            price_30_cents: row.price_30_cents.map(Cents),
            time_zone: row.time_zone,
        },
        vehicles: vehicles
            .into_iter()
            .map(|v| Vehicle {
                id: v.id,
                description: v.description,
                plate: v.plate,
                device_serial: v.device_serial,
                paid_through: v.paid_through,
            })
            .collect(),
        cards: cards.into_iter().map(card).collect(),
        past_due_cents: Cents(row.past_due_cents),
        currency: CURRENCY.into(),
    })
}

#[derive(sqlx::FromRow)]
pub(super) struct PaymentRow {
    id: Uuid,
    client_id: Uuid,
    vehicle_id: Option<Uuid>,
    invoice_id: Option<Uuid>,
    invoice_number: Option<i64>,
    payment_link_id: Option<Uuid>,
    amount_cents: i64,
    currency: String,
    status: String,
    method: String,
    card_brand: Option<String>,
    card_last4: Option<String>,
    failure_code: Option<String>,
    gateway_reference: Option<String>,
    gateway_key: String,
    quote: sqlx::types::Json<Quote>,
    charge_params: Option<sqlx::types::Json<crate::domain::ChargeParams>>,
    card_id: Option<Uuid>,
    initiated_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

macro_rules! payment_select {
    () => {
        "select p.id, p.client_id, p.vehicle_id, p.invoice_id, i.number as invoice_number, \
        p.payment_link_id, p.amount_cents, p.currency, p.status, p.method, p.card_brand, p.card_last4, p.failure_code, \
        p.gateway_reference, p.gateway_key, p.quote, p.charge_params, p.card_id, p.initiated_by, p.created_at, p.updated_at"
    };
}

pub(super) const PAYMENT_SELECT: &str = concat!(
    payment_select!(),
    " from payments p left join invoices i on i.id = p.invoice_id "
);

/// A payment about to settle and its vehicle's paid-through date.
pub(super) const SETTLE_SQL: &str = concat!(
    payment_select!(),
    ", v.paid_through as vehicle_paid_through from payments p left join invoices i on i.id = p.invoice_id \
    left join vehicles v on v.id = p.vehicle_id where p.id = $1"
);

#[derive(sqlx::FromRow)]
pub(super) struct SettleRow {
    #[sqlx(flatten)]
    pub payment: PaymentRow,
    pub vehicle_paid_through: Option<NaiveDate>,
}

impl TryFrom<PaymentRow> for Payment {
    type Error = StoreError;
    fn try_from(r: PaymentRow) -> Result<Payment> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("payment {}: {what}", r.id));
        Ok(Payment {
            status: PaymentStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
            method: PaymentMethod::parse(&r.method).ok_or_else(|| corrupt("method"))?,
            id: r.id,
            client_id: r.client_id,
            vehicle_id: r.vehicle_id,
            invoice_id: r.invoice_id,
            invoice_number: r.invoice_number,
            payment_link_id: r.payment_link_id,
            amount_cents: Cents(r.amount_cents),
            currency: r.currency,
            card_brand: r.card_brand,
            card_last4: r.card_last4,
            failure_code: r.failure_code,
            gateway_reference: r.gateway_reference,
            gateway_key: r.gateway_key,
            quote: r.quote.0,
            charge_params: r.charge_params.map(|p| p.0),
            card_id: r.card_id,
            initiated_by: r.initiated_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(super) fn payments(rows: Vec<PaymentRow>) -> Result<Vec<Payment>> {
    rows.into_iter().map(Payment::try_from).collect()
}

#[derive(sqlx::FromRow)]
pub(super) struct InvoiceRow {
    id: Uuid,
    number: i64,
    client_id: Uuid,
    vehicle_id: Option<Uuid>,
    status: String,
    monitor_days: Option<i64>,
    subtotal_cents: i64,
    tax_cents: i64,
    past_due_cents: i64,
    total_cents: i64,
    issued_at: DateTime<Utc>,
    created_by: String,
}

pub(super) const INVOICES_SQL: &str = "select id, number, client_id, vehicle_id, status, monitor_days, subtotal_cents, \
    tax_cents, past_due_cents, total_cents, issued_at, created_by from invoices where client_id = $1 \
    order by issued_at desc, number desc";

#[derive(sqlx::FromRow)]
pub(super) struct LineRow {
    invoice_id: Uuid,
    kind: String,
    description: String,
    amount_cents: i64,
}

pub(super) const INVOICE_LINES_SQL: &str = "select l.invoice_id, l.kind, l.description, l.amount_cents \
    from invoice_lines l join invoices i on i.id = l.invoice_id where i.client_id = $1 order by l.invoice_id, l.position";

pub(super) fn invoices(rows: Vec<InvoiceRow>, lines: Vec<LineRow>) -> Result<Vec<Invoice>> {
    let mut by_invoice: HashMap<Uuid, Vec<Line>> = HashMap::new();
    for line in lines {
        let kind = LineKind::parse(&line.kind).ok_or_else(|| {
            StoreError::Corrupt(format!("invoice {}: line kind", line.invoice_id))
        })?;
        by_invoice.entry(line.invoice_id).or_default().push(Line {
            kind,
            description: line.description,
            amount_cents: Cents(line.amount_cents),
        });
    }
    Ok(rows
        .into_iter()
        .map(|r| Invoice {
            lines: by_invoice.remove(&r.id).unwrap_or_default(),
            id: r.id,
            number: r.number,
            client_id: r.client_id,
            vehicle_id: r.vehicle_id,
            status: r.status,
            monitor_days: r.monitor_days,
            subtotal_cents: Cents(r.subtotal_cents),
            tax_cents: Cents(r.tax_cents),
            past_due_cents: Cents(r.past_due_cents),
            total_cents: Cents(r.total_cents),
            currency: CURRENCY.into(),
            issued_at: r.issued_at,
            created_by: r.created_by,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
pub(super) struct LogRow {
    id: Uuid,
    author_kind: String,
    author_name: String,
    message: String,
    created_at: DateTime<Utc>,
}

impl From<LogRow> for LogEntry {
    fn from(r: LogRow) -> LogEntry {
        LogEntry {
            id: r.id,
            author_kind: r.author_kind,
            author_name: r.author_name,
            message: r.message,
            created_at: r.created_at,
        }
    }
}

pub(super) const INSERT_LOG_SQL: &str = "insert into client_log (id, client_id, author_kind, author_name, message, created_at, updated_at) \
    values ($1, $2, $3, $4, $5, $6, $6)";

pub(super) fn card(r: CardRow) -> Card {
    Card {
        id: r.id,
        brand: r.brand,
        last4: r.last4,
        exp_month: r.exp_month,
        exp_year: r.exp_year,
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct LinkRow {
    id: Uuid,
    client_id: Uuid,
    vehicle_id: Uuid,
    phone: String,
    quote: sqlx::types::Json<Quote>,
    status: String,
    sent_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    opened_at: Option<DateTime<Utc>>,
    paid_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    payment_id: Option<Uuid>,
    sms_status: Option<String>,
    sms_error_code: Option<i64>,
    sms_failure_reason: Option<String>,
}

/// A link with its latest SMS (the outbox row it queued last).
pub(super) const LINK_SELECT: &str = "select l.id, l.client_id, l.vehicle_id, l.phone, l.quote, l.status, l.sent_at, \
    l.expires_at, l.opened_at, l.paid_at, l.revoked_at, l.payment_id, \
    o.status as sms_status, o.error_code as sms_error_code, o.failure_reason as sms_failure_reason \
    from payment_links l \
    left join sms_outbox o on o.id = (select o2.id from sms_outbox o2 where o2.payment_link_id = l.id order by o2.created_at desc limit 1) ";

impl TryFrom<LinkRow> for PaymentLink {
    type Error = StoreError;
    fn try_from(r: LinkRow) -> Result<PaymentLink> {
        Ok(PaymentLink {
            status: LinkStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Corrupt(format!("link {}: status", r.id)))?,
            id: r.id,
            client_id: r.client_id,
            vehicle_id: r.vehicle_id,
            phone: r.phone,
            quote: r.quote.0,
            sent_at: r.sent_at,
            expires_at: r.expires_at,
            opened_at: r.opened_at,
            paid_at: r.paid_at,
            revoked_at: r.revoked_at,
            payment_id: r.payment_id,
            sms_failure: (r.sms_status.as_deref() == Some("failed")).then(|| SmsFailure {
                reason: r
                    .sms_failure_reason
                    .as_deref()
                    .map_or(SmsFailureReason::Other, SmsFailureReason::parse),
                provider_code: r.sms_error_code,
            }),
            sms_status: r.sms_status,
        })
    }
}

/// Implements `Store` for a backend struct with a `pool` field and a
/// `begin_write()` method. `next_invoice_number` is the SQL expression that
/// numbers a new invoice on that backend.
macro_rules! impl_store {
    ($store:ty, next_invoice_number = $next_invoice_number:literal, for_update = $for_update:literal, skip_locked = $skip_locked:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            async fn migrate(&self) -> $crate::store::Result<()> {
                Self::MIGRATOR.run(&self.pool).await?;
                Ok(())
            }

            async fn ping(&self) -> $crate::store::Result<()> {
                sqlx::query("select 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn is_empty(&self) -> $crate::store::Result<bool> {
                let count: i64 = sqlx::query_scalar("select count(*) from staff_users").fetch_one(&self.pool).await?;
                Ok(count == 0)
            }

            async fn seed(&self, data: &$crate::store::SeedData) -> $crate::store::Result<()> {
                let now = data.now;
                let mut tx = self.begin_write().await?;
                for l in &data.locations {
                    sqlx::query("insert into locations (id, name, accepts_payments, tax_rate_ppm, daily_rate_cents, price_14_cents, price_30_cents, time_zone, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)")
                        .bind(l.id).bind(&l.name).bind(l.accepts_payments).bind(l.tax_rate_ppm)
                        .bind(l.daily_rate.map(|c| c.0)).bind(l.price_14.map(|c| c.0)).bind(l.price_30.map(|c| c.0))
                        .bind(&l.time_zone).bind(now)
                        .execute(&mut *tx).await?;
                }
                for c in &data.clients {
                    sqlx::query("insert into clients (id, location_id, first_name, last_name, phone, email, plan_days, autopay_enabled, autopay_card_id, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)")
                        .bind(c.id).bind(c.location_id).bind(&c.first_name).bind(&c.last_name).bind(&c.phone).bind(&c.email)
                        .bind(c.plan_days.days()).bind(c.autopay_card_id.is_some()).bind(c.autopay_card_id).bind(now)
                        .execute(&mut *tx).await?;
                }
                for v in &data.vehicles {
                    sqlx::query("insert into vehicles (id, client_id, description, plate, device_serial, paid_through, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7)")
                        .bind(v.id).bind(v.client_id).bind(&v.description).bind(&v.plate).bind(&v.device_serial).bind(v.paid_through).bind(now)
                        .execute(&mut *tx).await?;
                }
                for c in &data.cards {
                    sqlx::query("insert into cards (id, client_id, gateway_token, brand, last4, exp_month, exp_year, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8)")
                        .bind(c.id).bind(c.client_id).bind(&c.gateway_token).bind(&c.brand).bind(&c.last4).bind(c.exp_month).bind(c.exp_year).bind(now)
                        .execute(&mut *tx).await?;
                }
                for i in &data.invoices {
                    Self::insert_invoice(&mut tx, i, now).await?;
                }
                for s in &data.staff {
                    sqlx::query("insert into staff_users (id, email, name, role, password_hash, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6)")
                        .bind(s.id).bind(&s.email).bind(&s.name).bind(&s.role).bind(&s.password_hash).bind(now)
                        .execute(&mut *tx).await?;
                }
                for l in &data.client_logins {
                    sqlx::query("insert into client_logins (id, client_id, email, password_hash, created_at, updated_at) values ($1, $2, $3, $4, $5, $5)")
                        .bind(l.id).bind(l.client_id).bind(&l.email).bind(&l.password_hash).bind(now)
                        .execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn staff_by_email(&self, email: &str) -> $crate::store::Result<Option<$crate::store::StaffCredentials>> {
                let row: Option<(uuid::Uuid, String, String, String)> =
                    sqlx::query_as("select id, name, role, password_hash from staff_users where email = $1")
                        .bind(email.to_lowercase())
                        .fetch_optional(&self.pool).await?;
                Ok(row.map(|(id, name, role, password_hash)| $crate::store::StaffCredentials { id, name, role, password_hash }))
            }

            async fn create_session(&self, id: uuid::Uuid, audience: &str, subject: uuid::Uuid, role: Option<&str>, now: chrono::DateTime<chrono::Utc>, expires_at: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<()> {
                sqlx::query("insert into sessions (id, audience, subject, role, created_at, expires_at) values ($1, $2, $3, $4, $5, $6)")
                    .bind(id).bind(audience).bind(subject).bind(role).bind(now).bind(expires_at)
                    .execute(&self.relaxed).await?;
                Ok(())
            }

            async fn session_active(&self, id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<bool> {
                let active: i64 = sqlx::query_scalar(concat!(
                    "select count(*) from sessions s where s.id = $1 and s.revoked_at is null and s.expires_at > $2 and (",
                    "(s.audience = 'plus' and exists (select 1 from staff_users u where u.id = s.subject and u.role = s.role)) or ",
                    "(s.audience = 'myaccount' and exists (select 1 from client_logins l where l.client_id = s.subject)))"))
                    .bind(id).bind(now).fetch_one(&self.pool).await?;
                Ok(active == 1)
            }

            async fn revoke_session(&self, id: uuid::Uuid, subject: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<bool> {
                let revoked = sqlx::query("update sessions set revoked_at = $3 where id = $1 and subject = $2 and revoked_at is null")
                    .bind(id).bind(subject).bind(now).execute(&self.pool).await?.rows_affected();
                Ok(revoked == 1)
            }

            async fn purge_sessions(&self, before: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<u64> {
                Ok(sqlx::query("delete from sessions where expires_at < $1")
                    .bind(before).execute(&self.relaxed).await?.rows_affected())
            }

            async fn client_login_by_email(&self, email: &str) -> $crate::store::Result<Option<$crate::store::ClientCredentials>> {
                let row: Option<(uuid::Uuid, uuid::Uuid, String)> =
                    sqlx::query_as("select id, client_id, password_hash from client_logins where email = $1")
                        .bind(email.to_lowercase())
                        .fetch_optional(&self.pool).await?;
                Ok(row.map(|(id, client_id, password_hash)| $crate::store::ClientCredentials { id, client_id, password_hash }))
            }

            async fn search_clients(&self, query: &str, limit: i64) -> $crate::store::Result<Vec<$crate::domain::ClientSummary>> {
                let (text, phone) = $crate::store::sql::search_patterns(query);
                let rows: Vec<$crate::store::sql::ClientSummaryRow> = sqlx::query_as($crate::store::sql::SEARCH_SQL)
                    .bind(text).bind(phone).bind(limit)
                    .fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn client(&self, id: uuid::Uuid) -> $crate::store::Result<Option<$crate::domain::Client>> {
                use $crate::store::sql;
                let Some(row) = sqlx::query_as::<_, sql::ClientRow>(sql::CLIENT_SQL).bind(id).fetch_optional(&self.pool).await? else {
                    return Ok(None);
                };
                let (vehicles, cards) = tokio::try_join!(
                    sqlx::query_as(sql::VEHICLES_SQL).bind(id).fetch_all(&self.pool),
                    sqlx::query_as(sql::CARDS_SQL).bind(id).fetch_all(&self.pool),
                )?;
                sql::client_from_rows(row, vehicles, cards).map(Some)
            }

            async fn client_with_vehicle(&self, id: uuid::Uuid, vehicle_id: uuid::Uuid) -> $crate::store::Result<Option<$crate::domain::Client>> {
                use $crate::store::sql;
                sqlx::query_as::<_, sql::ClientVehicleRow>(sql::CLIENT_VEHICLE_SQL).bind(id).bind(vehicle_id)
                    .fetch_optional(&self.pool).await?
                    .map(sql::ClientVehicleRow::into_client).transpose()
            }

            async fn idempotency_begin(
                &self,
                principal: &str,
                key: &str,
                request_hash: &[u8],
                now: chrono::DateTime<chrono::Utc>,
                stale_before: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<$crate::store::IdempotencyBegin> {
                use $crate::store::IdempotencyBegin;
                let inserted = sqlx::query("insert into idempotency_keys (principal, key, request_hash, status, created_at, updated_at) values ($1, $2, $3, 'in_progress', $4, $4) on conflict (principal, key) do nothing")
                    .bind(principal).bind(key).bind(request_hash).bind(now)
                    .execute(&self.relaxed).await?.rows_affected();
                if inserted == 1 {
                    return Ok(IdempotencyBegin::Started);
                }
                let (hash, status, response_status, body): (Vec<u8>, String, Option<i64>, Option<String>) =
                    sqlx::query_as("select request_hash, status, response_status, response_body from idempotency_keys where principal = $1 and key = $2")
                        .bind(principal).bind(key)
                        .fetch_one(&self.relaxed).await?;
                if hash != request_hash {
                    return Ok(IdempotencyBegin::Mismatch);
                }
                if let (Some(status), Some(body)) = (response_status, body) {
                    return Ok(IdempotencyBegin::Completed { status, body });
                }
                debug_assert_eq!(status, "in_progress");
                let taken = sqlx::query("update idempotency_keys set updated_at = $3 where principal = $1 and key = $2 and status = 'in_progress' and updated_at < $4")
                    .bind(principal).bind(key).bind(now).bind(stale_before)
                    .execute(&self.relaxed).await?.rows_affected();
                Ok(if taken == 1 { IdempotencyBegin::Started } else { IdempotencyBegin::InProgress })
            }

            async fn idempotency_complete(&self, principal: &str, key: &str, status: i64, body: &str, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<()> {
                sqlx::query("update idempotency_keys set status = 'completed', response_status = $3, response_body = $4, updated_at = $5 where principal = $1 and key = $2")
                    .bind(principal).bind(key).bind(status).bind(body).bind(now)
                    .execute(&self.pool).await?;
                Ok(())
            }

            async fn idempotency_release(&self, principal: &str, key: &str) -> $crate::store::Result<()> {
                sqlx::query("delete from idempotency_keys where principal = $1 and key = $2 and status = 'in_progress'")
                    .bind(principal).bind(key)
                    .execute(&self.pool).await?;
                Ok(())
            }

            async fn insert_payment(&self, p: &$crate::store::NewPayment) -> $crate::store::Result<$crate::domain::Payment> {
                use $crate::store::sql;
                let insert = sqlx::query("insert into payments (id, client_id, vehicle_id, payment_link_id, amount_cents, currency, status, method, card_id, card_brand, card_last4, gateway_key, quote, past_due_cents, initiated_by, created_at, updated_at, charge_params) values ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16) on conflict (gateway_key) do nothing")
                    .bind(p.id).bind(p.client_id).bind(p.vehicle_id).bind(p.payment_link_id).bind(p.quote.total_due_cents.0)
                    .bind($crate::domain::CURRENCY).bind(p.method.as_str()).bind(p.card_id).bind(&p.card_brand).bind(&p.card_last4)
                    .bind(&p.gateway_key).bind(sqlx::types::Json(&p.quote)).bind(p.quote.past_due_cents.0).bind(&p.initiated_by).bind(p.now)
                    .bind(sqlx::types::Json(&p.charge_params));
                let inserted = if p.quote.past_due_cents == $crate::domain::Cents::ZERO {
                    insert.execute(&self.pool).await?.rows_affected() == 1
                } else {
                    // It collects past due: under the client's lock, only while
                    // no other payment has collected or is collecting it.
                    let mut tx = self.begin_write().await?;
                    sqlx::query(concat!("select id from clients where id = $1 ", $for_update))
                        .bind(p.client_id).execute(&mut *tx).await?;
                    let retry = sqlx::query("select id from payments where gateway_key = $1")
                        .bind(&p.gateway_key).fetch_optional(&mut *tx).await?.is_some();
                    let inserted = if retry {
                        false
                    } else {
                        let owed: i64 = sqlx::query_scalar(sql::PAST_DUE_SQL).bind(p.client_id).fetch_one(&mut *tx).await?;
                        if owed < p.quote.past_due_cents.0 {
                            // A link claimed for this payment is payable again (for a new quote).
                            sqlx::query("update payment_links set status = 'opened', updated_at = $2 where id = $1 and status = 'paying'")
                                .bind(p.payment_link_id).bind(p.now).execute(&mut *tx).await?;
                            tx.commit().await?;
                            return Err($crate::store::StoreError::PastDueChanged);
                        }
                        insert.execute(&mut *tx).await?.rows_affected() == 1
                    };
                    tx.commit().await?;
                    inserted
                };
                if inserted {
                    return Ok(p.pending());
                }
                sqlx::query("update payments set updated_at = $2 where gateway_key = $1 and status in ('pending', 'unknown')")
                    .bind(&p.gateway_key).bind(p.now).execute(&self.pool).await?;
                self.payment_by_gateway_key(&p.gateway_key).await?
                    .ok_or_else(|| $crate::store::StoreError::Corrupt("inserted payment vanished".into()))
            }

            async fn payment(&self, id: uuid::Uuid) -> $crate::store::Result<Option<$crate::domain::Payment>> {
                use $crate::store::sql;
                let row: Option<sql::PaymentRow> = sqlx::query_as(&format!("{}where p.id = $1", sql::PAYMENT_SELECT))
                    .bind(id).fetch_optional(&self.pool).await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn payment_by_gateway_key(&self, gateway_key: &str) -> $crate::store::Result<Option<$crate::domain::Payment>> {
                use $crate::store::sql;
                let row: Option<sql::PaymentRow> = sqlx::query_as(&format!("{}where p.gateway_key = $1", sql::PAYMENT_SELECT))
                    .bind(gateway_key).fetch_optional(&self.pool).await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn settle_payment(&self, s: &$crate::store::Settlement) -> $crate::store::Result<$crate::domain::Payment> {
                use $crate::domain::{InvoiceAmounts, PaymentStatus};
                use $crate::store::sql;
                let mut tx = self.begin_write_as(s.commit).await?;
                // Settlements of one client run one at a time, and all lock the
                // client row first: two payments settling the same open
                // invoices would otherwise deadlock. The lock also guards the
                // client's vehicles and open invoices, which only settlements
                // change; the payment itself changes state only by the
                // conditional update below.
                sqlx::query(concat!("select id from clients where id = (select client_id from payments where id = $1) ", $for_update))
                    .bind(s.payment_id).execute(&mut *tx).await?;
                let row: sql::SettleRow = sqlx::query_as(sql::SETTLE_SQL)
                    .bind(s.payment_id).fetch_one(&mut *tx).await?;
                let paid_through = row.vehicle_paid_through;
                let payment: $crate::domain::Payment = row.payment.try_into()?;
                if !payment.status.can_become(PaymentStatus::Succeeded) {
                    tx.rollback().await?;
                    return Ok(payment);
                }
                let amounts = InvoiceAmounts::from_quote(&payment.quote, true);
                let invoice = $crate::store::NewInvoice {
                    id: uuid::Uuid::new_v4(),
                    client_id: payment.client_id,
                    vehicle_id: payment.vehicle_id,
                    status: "paid".into(),
                    monitor_days: Some(payment.quote.monitor_days),
                    lines: amounts.lines,
                    subtotal: amounts.subtotal,
                    tax: amounts.tax,
                    past_due: amounts.past_due,
                    total: amounts.total,
                    created_by: payment.initiated_by.clone(),
                    issued_at: s.now,
                };
                let number = Self::insert_invoice(&mut tx, &invoice, s.now).await?;
                let updated = sqlx::query("update payments set status = 'succeeded', invoice_id = $2, gateway_reference = $3, card_brand = coalesce(card_brand, $4), card_last4 = coalesce(card_last4, $5), updated_at = $6 where id = $1 and status in ('pending', 'unknown', 'requires_action')")
                    .bind(payment.id).bind(invoice.id).bind(&s.gateway_reference)
                    .bind(s.card.as_ref().map(|c| c.brand.clone())).bind(s.card.as_ref().map(|c| c.last4.clone())).bind(s.now)
                    .execute(&mut *tx).await?.rows_affected();
                if updated == 0 {
                    // Failed in the meantime (a decline recorded elsewhere).
                    tx.rollback().await?;
                    return self.payment(payment.id).await?
                        .ok_or_else(|| $crate::store::StoreError::Corrupt("settled payment vanished".into()));
                }
                if let Some((c, log)) = &s.saved_card {
                    sqlx::query("insert into cards (id, client_id, gateway_token, brand, last4, exp_month, exp_year, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8)")
                        .bind(c.id).bind(c.client_id).bind(&c.gateway_token).bind(&c.brand).bind(&c.last4).bind(c.exp_month).bind(c.exp_year).bind(s.now)
                        .execute(&mut *tx).await?;
                    sqlx::query(sql::INSERT_LOG_SQL)
                        .bind(uuid::Uuid::new_v4()).bind(log.client_id).bind(&log.author_kind).bind(&log.author_name).bind(&log.message).bind(s.now)
                        .execute(&mut *tx).await?;
                    sqlx::query("update payments set card_id = $2 where id = $1")
                        .bind(payment.id).bind(c.id).execute(&mut *tx).await?;
                }
                if amounts.past_due > $crate::domain::Cents::ZERO {
                    // Open invoices are paid off oldest first: the newest ones
                    // that what is still owed covers stay open (one added after
                    // the quote was made, say).
                    let mut owed: i64 = sqlx::query_scalar(sql::OWED_SQL).bind(payment.client_id).fetch_one(&mut *tx).await?;
                    let open: Vec<(uuid::Uuid, i64)> = sqlx::query_as("select id, total_cents - past_due_cents from invoices where client_id = $1 and status = 'open' order by issued_at desc, number desc")
                        .bind(payment.client_id).fetch_all(&mut *tx).await?;
                    for (id, charges) in open {
                        if owed > 0 {
                            owed -= charges;
                            continue;
                        }
                        sqlx::query("update invoices set status = 'paid', updated_at = $2 where id = $1")
                            .bind(id).bind(s.now).execute(&mut *tx).await?;
                    }
                }
                if let Some(vehicle_id) = payment.vehicle_id {
                    let through = $crate::domain::next_paid_through(paid_through, s.today, payment.quote.monitor_days);
                    sqlx::query("update vehicles set paid_through = $2, updated_at = $3 where id = $1")
                        .bind(vehicle_id).bind(through).bind(s.now).execute(&mut *tx).await?;
                }
                if let Some(link_id) = payment.payment_link_id {
                    sqlx::query("update payment_links set status = 'paid', paid_at = $2, payment_id = $3, updated_at = $2 where id = $1")
                        .bind(link_id).bind(s.now).bind(payment.id).execute(&mut *tx).await?;
                }
                let message = format!("{}, invoice #{number}", s.log.message);
                sqlx::query(sql::INSERT_LOG_SQL)
                    .bind(uuid::Uuid::new_v4()).bind(s.log.client_id).bind(&s.log.author_kind).bind(&s.log.author_name).bind(message).bind(s.now)
                    .execute(&mut *tx).await?;
                tx.commit().await?;
                Ok($crate::domain::Payment {
                    status: PaymentStatus::Succeeded,
                    invoice_id: Some(invoice.id),
                    invoice_number: Some(number),
                    gateway_reference: Some(s.gateway_reference.clone()),
                    card_brand: payment.card_brand.clone().or_else(|| s.card.as_ref().map(|c| c.brand.clone())),
                    card_last4: payment.card_last4.clone().or_else(|| s.card.as_ref().map(|c| c.last4.clone())),
                    card_id: s.saved_card.as_ref().map(|(c, _)| c.id).or(payment.card_id),
                    updated_at: s.now,
                    ..payment
                })
            }

            async fn fail_payment(&self, id: uuid::Uuid, failure_code: &str, log: &$crate::store::NewLogEntry, now: chrono::DateTime<chrono::Utc>, untouched_since: Option<chrono::DateTime<chrono::Utc>>) -> $crate::store::Result<$crate::domain::Payment> {
                use $crate::store::sql;
                let mut tx = self.begin_write().await?;
                let failed = sqlx::query("update payments set status = 'failed', failure_code = $2, updated_at = $3 where id = $1 and status in ('pending', 'unknown', 'requires_action') and ($4 is null or updated_at < $4)")
                    .bind(id).bind(failure_code).bind(now).bind(untouched_since).execute(&mut *tx).await?.rows_affected();
                if failed == 1 {
                    // A declined card leaves the link payable until it expires.
                    sqlx::query("update payment_links set status = 'opened', updated_at = $2 where id = (select payment_link_id from payments where id = $1) and status = 'paying'")
                        .bind(id).bind(now).execute(&mut *tx).await?;
                    sqlx::query(sql::INSERT_LOG_SQL)
                        .bind(uuid::Uuid::new_v4()).bind(log.client_id).bind(&log.author_kind).bind(&log.author_name).bind(&log.message).bind(now)
                        .execute(&mut *tx).await?;
                }
                tx.commit().await?;
                self.payment(id).await?.ok_or_else(|| $crate::store::StoreError::Corrupt("failed payment vanished".into()))
            }

            async fn hold_payment(&self, id: uuid::Uuid, reason: &str, gateway_reference: &str, log: &$crate::store::NewLogEntry, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<$crate::domain::Payment> {
                use $crate::store::sql;
                let mut tx = self.begin_write().await?;
                let held = sqlx::query("update payments set status = 'held_for_review', failure_code = $2, gateway_reference = $3, updated_at = $4 where id = $1 and status in ('pending', 'unknown', 'failed', 'requires_action')")
                    .bind(id).bind(reason).bind(gateway_reference).bind(now).execute(&mut *tx).await?.rows_affected();
                if held == 1 {
                    sqlx::query("update payment_links set status = 'revoked', revoked_at = $2, updated_at = $2 where id = (select payment_link_id from payments where id = $1) and status in ('sent', 'opened', 'paying')")
                        .bind(id).bind(now).execute(&mut *tx).await?;
                    sqlx::query(sql::INSERT_LOG_SQL)
                        .bind(uuid::Uuid::new_v4()).bind(log.client_id).bind(&log.author_kind).bind(&log.author_name).bind(&log.message).bind(now)
                        .execute(&mut *tx).await?;
                }
                tx.commit().await?;
                self.payment(id).await?.ok_or_else(|| $crate::store::StoreError::Corrupt("held payment vanished".into()))
            }

            async fn mark_payment_unknown(&self, id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<()> {
                sqlx::query("update payments set status = 'unknown', updated_at = $2 where id = $1 and status = 'pending'")
                    .bind(id).bind(now).execute(&self.pool).await?;
                Ok(())
            }

            async fn mark_payment_requires_action(&self, id: uuid::Uuid, gateway_reference: &str, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<bool> {
                Ok(sqlx::query("update payments set status = 'requires_action', gateway_reference = $2, updated_at = $3 where id = $1 and status = 'pending'")
                    .bind(id).bind(gateway_reference).bind(now).execute(&self.pool).await?.rows_affected() == 1)
            }

            async fn payments_awaiting_authentication(&self, since_before: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<Vec<$crate::domain::Payment>> {
                use $crate::store::sql;
                let rows = sqlx::query_as(&format!("{}where p.status = 'requires_action' and p.updated_at < $1 order by p.created_at", sql::PAYMENT_SELECT))
                    .bind(since_before).fetch_all(&self.pool).await?;
                sql::payments(rows)
            }

            async fn gateway_customer_id(&self, client_id: uuid::Uuid) -> $crate::store::Result<Option<String>> {
                Ok(sqlx::query_scalar::<_, Option<String>>("select gateway_customer_id from clients where id = $1")
                    .bind(client_id).fetch_optional(&self.pool).await?.flatten())
            }

            async fn keep_gateway_customer_id(&self, client_id: uuid::Uuid, customer_id: &str, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<String> {
                sqlx::query("update clients set gateway_customer_id = $2, updated_at = $3 where id = $1 and gateway_customer_id is null")
                    .bind(client_id).bind(customer_id).bind(now).execute(&self.pool).await?;
                self.gateway_customer_id(client_id).await?
                    .ok_or_else(|| $crate::store::StoreError::Corrupt(format!("client {client_id}: no gateway customer kept")))
            }

            async fn open_payments(&self, pending_before: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<Vec<$crate::domain::Payment>> {
                use $crate::store::sql;
                let rows = sqlx::query_as(&format!("{}where p.status = 'unknown' or (p.status = 'pending' and p.updated_at < $1) order by p.created_at", sql::PAYMENT_SELECT))
                    .bind(pending_before).fetch_all(&self.pool).await?;
                sql::payments(rows)
            }

            async fn client_payments(&self, client_id: uuid::Uuid) -> $crate::store::Result<Vec<$crate::domain::Payment>> {
                use $crate::store::sql;
                let rows = sqlx::query_as(&format!("{}where p.client_id = $1 order by p.created_at desc", sql::PAYMENT_SELECT))
                    .bind(client_id).fetch_all(&self.pool).await?;
                sql::payments(rows)
            }

            async fn client_invoices(&self, client_id: uuid::Uuid) -> $crate::store::Result<Vec<$crate::domain::Invoice>> {
                use $crate::store::sql;
                let rows = sqlx::query_as(sql::INVOICES_SQL).bind(client_id).fetch_all(&self.pool).await?;
                let lines = sqlx::query_as(sql::INVOICE_LINES_SQL).bind(client_id).fetch_all(&self.pool).await?;
                sql::invoices(rows, lines)
            }

            async fn add_invoice(&self, invoice: &$crate::store::NewInvoice, log: &$crate::store::NewLogEntry, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<()> {
                use $crate::store::sql;
                let mut tx = self.begin_write().await?;
                let number = Self::insert_invoice(&mut tx, invoice, now).await?;
                sqlx::query(sql::INSERT_LOG_SQL)
                    .bind(uuid::Uuid::new_v4()).bind(log.client_id).bind(&log.author_kind).bind(&log.author_name)
                    .bind(format!("{}, invoice #{number}", log.message)).bind(now)
                    .execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn chargeable_card(&self, client_id: uuid::Uuid, card_id: uuid::Uuid) -> $crate::store::Result<Option<$crate::store::ChargeableCard>> {
                let row: Option<(uuid::Uuid, String, String, i64, i64, String)> = sqlx::query_as("select id, brand, last4, exp_month, exp_year, gateway_token from cards where id = $1 and client_id = $2 and deleted_at is null")
                    .bind(card_id).bind(client_id).fetch_optional(&self.pool).await?;
                Ok(row.map(|(id, brand, last4, exp_month, exp_year, gateway_token)| $crate::store::ChargeableCard {
                    card: $crate::domain::Card { id, brand, last4, exp_month, exp_year },
                    gateway_token,
                }))
            }

            async fn add_card(&self, c: &$crate::store::NewCard, log: &$crate::store::NewLogEntry, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<$crate::domain::Card> {
                use $crate::store::sql;
                let mut tx = self.begin_write().await?;
                sqlx::query("insert into cards (id, client_id, gateway_token, brand, last4, exp_month, exp_year, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8)")
                    .bind(c.id).bind(c.client_id).bind(&c.gateway_token).bind(&c.brand).bind(&c.last4).bind(c.exp_month).bind(c.exp_year).bind(now)
                    .execute(&mut *tx).await?;
                sqlx::query(sql::INSERT_LOG_SQL)
                    .bind(uuid::Uuid::new_v4()).bind(log.client_id).bind(&log.author_kind).bind(&log.author_name).bind(&log.message).bind(now)
                    .execute(&mut *tx).await?;
                tx.commit().await?;
                Ok($crate::domain::Card { id: c.id, brand: c.brand.clone(), last4: c.last4.clone(), exp_month: c.exp_month, exp_year: c.exp_year })
            }

            async fn remove_card(&self, client_id: uuid::Uuid, card_id: uuid::Uuid, log: &$crate::store::NewLogEntry, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<$crate::store::CardRemoval> {
                use $crate::store::{sql, CardRemoval};
                let mut tx = self.begin_write().await?;
                let autopay: Option<Option<uuid::Uuid>> = sqlx::query_scalar("select autopay_card_id from clients where id = $1")
                    .bind(client_id).fetch_optional(&mut *tx).await?;
                if autopay.flatten() == Some(card_id) {
                    tx.rollback().await?;
                    return Ok(CardRemoval::UsedByAutopay);
                }
                let removed = sqlx::query("update cards set deleted_at = $3, updated_at = $3 where id = $1 and client_id = $2 and deleted_at is null")
                    .bind(card_id).bind(client_id).bind(now).execute(&mut *tx).await?.rows_affected();
                if removed == 0 {
                    tx.rollback().await?;
                    return Ok(CardRemoval::NotFound);
                }
                sqlx::query(sql::INSERT_LOG_SQL)
                    .bind(uuid::Uuid::new_v4()).bind(log.client_id).bind(&log.author_kind).bind(&log.author_name).bind(&log.message).bind(now)
                    .execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(CardRemoval::Removed)
            }

            async fn set_autopay(&self, client_id: uuid::Uuid, card_id: Option<uuid::Uuid>, log: &$crate::store::NewLogEntry, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<()> {
                use $crate::store::sql;
                let mut tx = self.begin_write().await?;
                sqlx::query("update clients set autopay_enabled = $2, autopay_card_id = $3, updated_at = $4 where id = $1")
                    .bind(client_id).bind(card_id.is_some()).bind(card_id).bind(now).execute(&mut *tx).await?;
                sqlx::query(sql::INSERT_LOG_SQL)
                    .bind(uuid::Uuid::new_v4()).bind(log.client_id).bind(&log.author_kind).bind(&log.author_name).bind(&log.message).bind(now)
                    .execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn autopay_due(&self, through: chrono::NaiveDate) -> $crate::store::Result<Vec<$crate::store::AutopayDue>> {
                let rows: Vec<(uuid::Uuid, uuid::Uuid, Option<chrono::NaiveDate>)> = sqlx::query_as("select c.id, v.id, v.paid_through from clients c join vehicles v on v.client_id = c.id join locations l on l.id = c.location_id where c.autopay_enabled and c.autopay_card_id is not null and l.accepts_payments and (v.paid_through is null or v.paid_through <= $1) order by c.id, v.id")
                    .bind(through).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(client_id, vehicle_id, paid_through)| $crate::store::AutopayDue { client_id, vehicle_id, paid_through }).collect())
            }

            async fn create_link(&self, link: &$crate::store::NewLink) -> $crate::store::Result<()> {
                use $crate::store::sql;
                let mut tx = self.begin_write().await?;
                sqlx::query("insert into payment_links (id, client_id, vehicle_id, token_hash, phone, quote, amount_cents, status, sent_at, expires_at, created_by, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, 'sent', $8, $9, $10, $8, $8)")
                    .bind(link.id).bind(link.client_id).bind(link.vehicle_id).bind(&link.token_hash).bind(&link.phone)
                    .bind(sqlx::types::Json(&link.quote)).bind(link.quote.total_due_cents.0).bind(link.sent_at).bind(link.expires_at).bind(link.created_by)
                    .execute(&mut *tx).await?;
                sqlx::query("insert into sms_outbox (id, payment_link_id, to_phone, body_sealed, status, attempts, next_attempt_at, created_at, updated_at) values ($1, $2, $3, $4, 'queued', 0, $5, $5, $5)")
                    .bind(uuid::Uuid::new_v4()).bind(link.id).bind(&link.phone).bind(&link.sms_body_sealed).bind(link.sent_at)
                    .execute(&mut *tx).await?;
                sqlx::query(sql::INSERT_LOG_SQL)
                    .bind(uuid::Uuid::new_v4()).bind(link.log.client_id).bind(&link.log.author_kind).bind(&link.log.author_name).bind(&link.log.message).bind(link.sent_at)
                    .execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn link(&self, id: uuid::Uuid) -> $crate::store::Result<Option<$crate::domain::PaymentLink>> {
                use $crate::store::sql;
                let row: Option<sql::LinkRow> = sqlx::query_as(&format!("{}where l.id = $1", sql::LINK_SELECT)).bind(id).fetch_optional(&self.pool).await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn link_by_token_hash(&self, token_hash: &[u8]) -> $crate::store::Result<Option<$crate::domain::PaymentLink>> {
                use $crate::store::sql;
                let row: Option<sql::LinkRow> = sqlx::query_as(&format!("{}where l.token_hash = $1", sql::LINK_SELECT)).bind(token_hash).fetch_optional(&self.pool).await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn client_links(&self, client_id: uuid::Uuid) -> $crate::store::Result<Vec<$crate::domain::PaymentLink>> {
                use $crate::store::sql;
                let rows: Vec<sql::LinkRow> = sqlx::query_as(&format!("{}where l.client_id = $1 order by l.sent_at desc", sql::LINK_SELECT)).bind(client_id).fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn mark_link_opened(&self, id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<()> {
                sqlx::query("update payment_links set status = 'opened', opened_at = $2, updated_at = $2 where id = $1 and status = 'sent'")
                    .bind(id).bind(now).execute(&self.relaxed).await?;
                Ok(())
            }

            async fn release_stale_link_claims(&self, claimed_before: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<u64> {
                Ok(sqlx::query("update payment_links set status = 'opened', updated_at = $2 where status = 'paying' and updated_at < $1 and not exists (select 1 from payments p where p.payment_link_id = payment_links.id and p.status in ('pending', 'unknown', 'succeeded', 'held_for_review', 'requires_action'))")
                    .bind(claimed_before).bind(now).execute(&self.pool).await?.rows_affected())
            }

            async fn claim_link(&self, id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<bool> {
                let claimed = sqlx::query("update payment_links set status = 'paying', updated_at = $2 where id = $1 and status in ('sent', 'opened') and expires_at > $2")
                    .bind(id).bind(now).execute(&self.relaxed).await?.rows_affected();
                Ok(claimed == 1)
            }

            async fn revoke_link(&self, id: uuid::Uuid, log: &$crate::store::NewLogEntry, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<bool> {
                use $crate::store::sql;
                let mut tx = self.begin_write().await?;
                let revoked = sqlx::query("update payment_links set status = 'revoked', revoked_at = $2, updated_at = $2 where id = $1 and status in ('sent', 'opened')")
                    .bind(id).bind(now).execute(&mut *tx).await?.rows_affected();
                if revoked == 1 {
                    sqlx::query(sql::INSERT_LOG_SQL)
                        .bind(uuid::Uuid::new_v4()).bind(log.client_id).bind(&log.author_kind).bind(&log.author_name).bind(&log.message).bind(now)
                        .execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(revoked == 1)
            }

            async fn claim_outbox(&self, now: chrono::DateTime<chrono::Utc>, lease_until: chrono::DateTime<chrono::Utc>, limit: i64) -> $crate::store::Result<Vec<$crate::store::OutboxMessage>> {
                let rows: Vec<(uuid::Uuid, String, Vec<u8>, i64, Option<chrono::DateTime<chrono::Utc>>, Option<bool>)> = sqlx::query_as(concat!(
                    "update sms_outbox set status = 'sending', attempts = attempts + 1, next_attempt_at = $2, updated_at = $1 where id in (select id from sms_outbox where status in ('queued', 'sending') and next_attempt_at <= $1 order by next_attempt_at limit $3 ",
                    $skip_locked,
                    ") returning id, to_phone, body_sealed, attempts, (select l.expires_at from payment_links l where l.id = sms_outbox.payment_link_id) as link_expires_at, ",
                    "(select l.status in ('revoked', 'paid') from payment_links l where l.id = sms_outbox.payment_link_id) as link_closed"
                ))
                    .bind(now).bind(lease_until).bind(limit).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(id, to_phone, body_sealed, attempts, link_expires_at, link_closed)| $crate::store::OutboxMessage { id, to_phone, body_sealed, attempts, link_expires_at, link_closed: link_closed.unwrap_or(false) }).collect())
            }

            async fn finish_outbox(&self, id: uuid::Uuid, result: &$crate::store::OutboxResult, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<()> {
                use $crate::store::OutboxResult;
                let query = match result {
                    OutboxResult::Accepted { provider_id, status } => sqlx::query("update sms_outbox set status = $2, provider_message_id = $3, body_sealed = $4, last_error = null, updated_at = $5 where id = $1")
                        .bind(id).bind(status.as_str()).bind(provider_id).bind(Vec::<u8>::new()).bind(now),
                    OutboxResult::Retry { error, next_attempt_at } => sqlx::query("update sms_outbox set status = 'queued', last_error = $2, next_attempt_at = $3, updated_at = $4 where id = $1")
                        .bind(id).bind(error).bind(*next_attempt_at).bind(now),
                    OutboxResult::Failed { error, failure } => sqlx::query("update sms_outbox set status = 'failed', last_error = $2, body_sealed = $3, updated_at = $4, error_code = $5, failure_reason = $6 where id = $1")
                        .bind(id).bind(error).bind(Vec::<u8>::new()).bind(now).bind(failure.provider_code).bind(failure.reason.as_str()),
                };
                query.execute(&self.pool).await?;
                Ok(())
            }

            async fn outbox_delivery(&self, provider_id: &str, status: $crate::sms::SmsStatus, failure: Option<$crate::domain::SmsFailure>, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<()> {
                // A late "sent" never overwrites "delivered" or "failed".
                sqlx::query("update sms_outbox set status = $2, updated_at = $3, error_code = $4, failure_reason = $5 where provider_message_id = $1 and status not in ('delivered', 'failed')")
                    .bind(provider_id).bind(status.as_str()).bind(now)
                    .bind(failure.and_then(|f| f.provider_code)).bind(failure.map(|f| f.reason.as_str()))
                    .execute(&self.pool).await?;
                Ok(())
            }

            async fn rate_limit_hit(&self, bucket: &str, window_start: chrono::DateTime<chrono::Utc>, window_end: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<i64> {
                // A newer window starts the count again; a hit stamped with an
                // older window (an instance whose clock is behind) counts into
                // the stored, newer one: it never resets a count.
                Ok(sqlx::query_scalar(concat!(
                    "insert into rate_limits (bucket, window_start, expires_at, hits, created_at, updated_at) values ($1, $2, $3, 1, $4, $4) ",
                    "on conflict (bucket) do update set ",
                    "hits = case when excluded.window_start > rate_limits.window_start then 1 else rate_limits.hits + 1 end, ",
                    "expires_at = case when excluded.window_start > rate_limits.window_start then excluded.expires_at else rate_limits.expires_at end, ",
                    "window_start = case when excluded.window_start > rate_limits.window_start then excluded.window_start else rate_limits.window_start end, ",
                    "updated_at = excluded.updated_at returning hits"))
                    .bind(bucket).bind(window_start).bind(window_end).bind(now).fetch_one(&self.relaxed).await?)
            }

            async fn purge_rate_limits(&self, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<u64> {
                Ok(sqlx::query("delete from rate_limits where expires_at <= $1")
                    .bind(now).execute(&self.relaxed).await?.rows_affected())
            }

            async fn rate_limit_count(&self, bucket: &str, window_start: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<i64> {
                let hits: Option<i64> = sqlx::query_scalar("select hits from rate_limits where bucket = $1 and window_start = $2")
                    .bind(bucket).bind(window_start).fetch_optional(&self.pool).await?;
                Ok(hits.unwrap_or(0))
            }

            async fn business_counts(&self) -> $crate::store::Result<$crate::store::BusinessCounts> {
                Ok($crate::store::BusinessCounts {
                    payments_by_status: sqlx::query_as("select status, count(*) from payments group by status order by status").fetch_all(&self.pool).await?,
                    links_by_status: sqlx::query_as("select status, count(*) from payment_links group by status order by status").fetch_all(&self.pool).await?,
                    outbox_depth: sqlx::query_scalar("select count(*) from sms_outbox where status in ('queued', 'sending')").fetch_one(&self.pool).await?,
                    sms_failed_by_reason: sqlx::query_as("select coalesce(failure_reason, 'other') as reason, count(*) from sms_outbox where status = 'failed' group by coalesce(failure_reason, 'other') order by reason").fetch_all(&self.pool).await?,
                })
            }

            async fn add_log(&self, log: &$crate::store::NewLogEntry, now: chrono::DateTime<chrono::Utc>) -> $crate::store::Result<()> {
                sqlx::query($crate::store::sql::INSERT_LOG_SQL)
                    .bind(uuid::Uuid::new_v4()).bind(log.client_id).bind(&log.author_kind).bind(&log.author_name).bind(&log.message).bind(now)
                    .execute(&self.pool).await?;
                Ok(())
            }

            async fn client_log(&self, client_id: uuid::Uuid) -> $crate::store::Result<Vec<$crate::domain::LogEntry>> {
                let rows: Vec<$crate::store::sql::LogRow> = sqlx::query_as("select id, author_kind, author_name, message, created_at from client_log where client_id = $1 order by created_at desc, id")
                    .bind(client_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }
        }

        impl $store {
            async fn insert_invoice(
                tx: &mut sqlx::Transaction<'_, <$store as $crate::store::sql::Backend>::Db>,
                invoice: &$crate::store::NewInvoice,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<i64> {
                let number: i64 = sqlx::query_scalar(concat!(
                    "insert into invoices (id, number, client_id, vehicle_id, status, monitor_days, subtotal_cents, tax_cents, past_due_cents, total_cents, created_by, issued_at, created_at, updated_at) values ($1, ",
                    $next_invoice_number,
                    ", $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) returning number"
                ))
                    .bind(invoice.id).bind(invoice.client_id).bind(invoice.vehicle_id).bind(&invoice.status)
                    .bind(invoice.monitor_days.map(|d| d.days())).bind(invoice.subtotal.0).bind(invoice.tax.0)
                    .bind(invoice.past_due.0).bind(invoice.total.0).bind(&invoice.created_by).bind(invoice.issued_at).bind(now)
                    .fetch_one(&mut **tx).await?;
                if !invoice.lines.is_empty() {
                    let mut lines = sqlx::QueryBuilder::new("insert into invoice_lines (invoice_id, position, kind, description, amount_cents) ");
                    lines.push_values((0_i64..).zip(&invoice.lines), |mut row, (position, line)| {
                        row.push_bind(invoice.id).push_bind(position).push_bind(line.kind.as_str())
                            .push_bind(&line.description).push_bind(line.amount_cents.0);
                    });
                    lines.build().execute(&mut **tx).await?;
                }
                Ok(number)
            }
        }
    };
}

/// Ties a store struct to its sqlx database type.
pub(super) trait Backend {
    type Db: sqlx::Database;
}

#[cfg(test)]
mod tests {
    use super::search_patterns;

    #[test]
    fn search_patterns_escape_like_wildcards_and_match_phone_digits() {
        assert_eq!(
            search_patterns(" Dana_C% "),
            ("%dana\\_c\\%%".into(), String::new())
        );
        assert_eq!(
            search_patterns("(512) 555"),
            ("%(512) 555%".into(), "%512555%".into())
        );
    }
}
