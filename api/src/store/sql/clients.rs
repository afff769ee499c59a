//! [`ClientStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::{client_log::insert_log, ledger, Backend};
use crate::domain::ledger::{self as rules, OpenPayment};
use crate::domain::{Cents, Client, ClientSummary, Language};
use crate::store::clients::{
    client_from_rows, search_patterns, ClientRow, ClientSummaryRow, ClientVehicleRow,
};
use crate::store::{AutopayDue, ClientStore, NewLogEntry, Result, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryFutureExt;
use uuid::Uuid;

const CLIENT: &str = "select c.id, c.first_name, c.last_name, c.phone, c.email, \
    c.plan_days, c.autopay_enabled, c.autopay_card_id, c.language, l.id as location_id, \
    l.name as location_name, l.accepts_payments, l.tax_rate_ppm, l.daily_rate_cents, \
    l.price_14_cents, l.price_30_cents, l.time_zone \
    from clients c join locations l on l.id = c.location_id where c.id = $1";

/// The client, one vehicle (null when not theirs), the running balance of
/// their last ledger entry, what their open credit refunds reserve, and one
/// row per open payment (as
/// `ledger::OPEN_PAYMENTS` reads them; none: one row of nulls): a quote, an
/// opened link and a redeem read all they need in one round trip.
pub(super) const CLIENT_VEHICLE: &str = concat!(
    "select c.id, c.first_name, c.last_name, c.phone, \
    c.email, c.plan_days, c.autopay_enabled, c.autopay_card_id, c.language, \
    l.id as location_id, \
    l.name as location_name, l.accepts_payments, l.tax_rate_ppm, l.daily_rate_cents, \
    l.price_14_cents, l.price_30_cents, l.time_zone, \
    v.id as vehicle_id, v.description as vehicle_description, v.plate as vehicle_plate, \
    v.device_serial as vehicle_device_serial, v.paid_through as vehicle_paid_through, \
    v.next_appointment_at as vehicle_next_appointment_at, \
    v.next_appointment_location as vehicle_next_appointment_location, \
    (select e.balance_after_cents from ledger_entries e where e.client_id = c.id \
        order by e.id desc limit 1) as balance_cents, \
    p.past_due_cents as open_past_due_cents, p.credit_cents as open_credit_cents, \
    (select cast(sum(r.amount_cents) as bigint) from refunds r where r.client_id = c.id \
        and r.source = 'credit' and r.status in ('pending', 'unknown')) \
        as open_credit_refund_cents \
    from clients c join locations l on l.id = c.location_id \
    left join vehicles v on v.id = $2 and v.client_id = c.id \
    left join payments p on p.client_id = c.id \
        and p.status in ",
    crate::open_payment_statuses_sql!(),
    " where c.id = $1"
);

/// A row of [`CLIENT_VEHICLE`].
#[derive(sqlx::FromRow)]
struct ClientVehicleAccountRow {
    #[sqlx(flatten)]
    client: ClientVehicleRow,
    balance_cents: Option<i64>,
    open_past_due_cents: Option<i64>,
    open_credit_cents: Option<i64>,
    /// What the client's open credit refunds reserve (`ledger::OPEN_PAYMENTS`).
    open_credit_refund_cents: Option<i64>,
}

const VEHICLES: &str = "select id, description, plate, device_serial, paid_through, \
    next_appointment_at, next_appointment_location \
    from vehicles where client_id = $1 order by created_at, description";

const CARDS: &str = "select id, brand, last4, exp_month, exp_year from cards \
    where client_id = $1 and deleted_at is null order by created_at";

const SEARCH: &str = "select c.id, c.first_name, c.last_name, c.phone, c.email, \
    l.name as location_name, c.language \
    from clients c join locations l on l.id = c.location_id \
    where lower(c.first_name || ' ' || c.last_name) like $1 escape '\\' \
        or lower(c.email) like $1 escape '\\' \
        or c.phone like $2 \
    order by c.last_name, c.first_name limit $3";

const GATEWAY_CUSTOMER: &str = "select gateway_customer_id from clients where id = $1";

/// The first customer kept wins: two saves that raced keep one customer.
const KEEP_GATEWAY_CUSTOMER: &str = "update clients set gateway_customer_id = $2, updated_at = $3 \
    where id = $1 and gateway_customer_id is null";

const SET_AUTOPAY: &str = "update clients \
    set autopay_enabled = $2, autopay_card_id = $3, updated_at = $4 where id = $1";

const AUTOPAY_DUE: &str = "select c.id, v.id, v.paid_through \
    from clients c \
    join vehicles v on v.client_id = c.id \
    join locations l on l.id = c.location_id \
    where c.autopay_enabled and c.autopay_card_id is not null and l.accepts_payments \
        and l.id = $2 and (v.paid_through is null or v.paid_through <= $1) \
    order by c.id, v.id";

const SET_LANGUAGE: &str = "update clients set language = $2, updated_at = $3 where id = $1";

const CLIENT_LANGUAGE: &str = "select language from clients where id = $1";

const PHONE_LANGUAGE: &str =
    "select language from clients where phone = $1 order by created_at, id limit 1";

const SET_NEXT_APPOINTMENT: &str = "update vehicles \
    set next_appointment_at = $3, next_appointment_location = $4, updated_at = $5 \
    where id = $2 and client_id = $1";

const LOCATION_TIME_ZONES: &str = "select id, time_zone from locations order by id";

#[async_trait]
impl ClientStore for Backend {
    async fn search_clients(&self, query: &str, limit: i64) -> Result<Vec<ClientSummary>> {
        let (text, phone) = search_patterns(query);
        let rows: Vec<ClientSummaryRow> = sqlx::query_as(SEARCH)
            .bind(text)
            .bind(phone)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(ClientSummary::try_from).collect()
    }

    async fn client(&self, id: Uuid) -> Result<Option<Client>> {
        let Some(row) = sqlx::query_as::<_, ClientRow>(CLIENT)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let account = async {
            let mut conn = self.pool.acquire().await?;
            ledger::account(&mut conn, id).await
        };
        let (vehicles, cards, account) = tokio::try_join!(
            sqlx::query_as(VEHICLES)
                .bind(id)
                .fetch_all(&self.pool)
                .map_err(StoreError::from),
            sqlx::query_as(CARDS)
                .bind(id)
                .fetch_all(&self.pool)
                .map_err(StoreError::from),
            account,
        )?;
        client_from_rows(row, vehicles, cards, account).map(Some)
    }

    async fn client_with_vehicle(&self, id: Uuid, vehicle_id: Uuid) -> Result<Option<Client>> {
        // One round trip: quotes, opened links and redeems read this on
        // every request.
        let rows: Vec<ClientVehicleAccountRow> = sqlx::query_as(CLIENT_VEHICLE)
            .bind(id)
            .bind(vehicle_id)
            .fetch_all(&self.pool)
            .await?;
        let mut open: Vec<OpenPayment> = rows
            .iter()
            .filter_map(|row| {
                Some(OpenPayment {
                    past_due: Cents(row.open_past_due_cents?),
                    credit: Cents(row.open_credit_cents?),
                })
            })
            .collect();
        // The same on every row (a column of the client): read once.
        if let Some(refunding) = rows.first().and_then(|row| row.open_credit_refund_cents) {
            open.push(OpenPayment {
                past_due: Cents::ZERO,
                credit: Cents(refunding),
            });
        }
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        let balance = Cents(row.balance_cents.unwrap_or(0));
        row.client
            .into_client(rules::account_at(balance, &open))
            .map(Some)
    }

    async fn set_autopay(
        &self,
        client_id: Uuid,
        card_id: Option<Uuid>,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(SET_AUTOPAY)
            .bind(client_id)
            .bind(card_id.is_some())
            .bind(card_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        insert_log(&mut *tx, log, &log.message, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_language(
        &self,
        client_id: Uuid,
        language: Language,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(SET_LANGUAGE)
            .bind(client_id)
            .bind(language.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        insert_log(&mut *tx, log, &log.message, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn set_next_appointment(
        &self,
        client_id: Uuid,
        vehicle_id: Uuid,
        appointment: Option<(DateTime<Utc>, &str)>,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(SET_NEXT_APPOINTMENT)
            .bind(client_id)
            .bind(vehicle_id)
            .bind(appointment.map(|(at, _)| at))
            .bind(appointment.map(|(_, name)| name))
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        insert_log(&mut *tx, log, &log.message, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn client_language(&self, client_id: Uuid) -> Result<Language> {
        let code: Option<String> = sqlx::query_scalar(CLIENT_LANGUAGE)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?;
        language_of(client_id, code).map(Option::unwrap_or_default)
    }

    async fn phone_language(&self, phone: &str) -> Result<Option<Language>> {
        let code: Option<String> = sqlx::query_scalar(PHONE_LANGUAGE)
            .bind(phone)
            .fetch_optional(&self.pool)
            .await?;
        language_of(Uuid::nil(), code)
    }

    async fn location_time_zones(&self) -> Result<Vec<(Uuid, String)>> {
        Ok(sqlx::query_as(LOCATION_TIME_ZONES)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn autopay_due(&self, location_id: Uuid, through: NaiveDate) -> Result<Vec<AutopayDue>> {
        let rows: Vec<(Uuid, Uuid, Option<NaiveDate>)> = sqlx::query_as(AUTOPAY_DUE)
            .bind(through)
            .bind(location_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(client_id, vehicle_id, paid_through)| AutopayDue {
                client_id,
                vehicle_id,
                paid_through,
            })
            .collect())
    }

    async fn gateway_customer_id(&self, client_id: Uuid) -> Result<Option<String>> {
        Ok(sqlx::query_scalar::<_, Option<String>>(GATEWAY_CUSTOMER)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?
            .flatten())
    }

    async fn keep_gateway_customer_id(
        &self,
        client_id: Uuid,
        customer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        sqlx::query(KEEP_GATEWAY_CUSTOMER)
            .bind(client_id)
            .bind(customer_id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        self.gateway_customer_id(client_id).await?.ok_or_else(|| {
            StoreError::Corrupt(format!("client {client_id}: no gateway customer kept"))
        })
    }
}

/// A stored language code read back; an unknown one is a corrupt row.
fn language_of(client_id: Uuid, code: Option<String>) -> Result<Option<Language>> {
    code.map(|code| {
        Language::parse(&code)
            .ok_or_else(|| StoreError::Corrupt(format!("client {client_id}: language {code:?}")))
    })
    .transpose()
}
