//! The SQL both stores share. It is written once, in the dialect common to
//! PostgreSQL and SQLite (`$n` parameters, lowercase SQL), and expanded for
//! each backend by `impl_store!`; what differs between them is passed in.

use super::{Result, StoreError};
use crate::domain::{
    Card, Cents, Client, ClientSummary, Location, MonitorDays, TaxRate, Vehicle, CURRENCY,
};
use chrono::NaiveDate;
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
}

pub(super) const CLIENT_SQL: &str = "select c.id, c.first_name, c.last_name, c.phone, c.email, c.plan_days, \
    c.autopay_enabled, c.autopay_card_id, l.id as location_id, l.name as location_name, l.accepts_payments, \
    l.tax_rate_ppm, l.daily_rate_cents, l.price_14_cents, l.price_30_cents, l.time_zone \
    from clients c join locations l on l.id = c.location_id where c.id = $1";

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

/// Past due = new charges invoiced (an invoice's carried-forward past due is
/// not a new charge) minus payments that succeeded.
pub(super) const PAST_DUE_SQL: &str = "select \
    cast(coalesce((select sum(total_cents - past_due_cents) from invoices where client_id = $1 and status <> 'void'), 0) as bigint) \
    - cast(coalesce((select sum(amount_cents) from payments where client_id = $1 and status = 'succeeded'), 0) as bigint)";

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
    past_due: i64,
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
        cards: cards
            .into_iter()
            .map(|c| Card {
                id: c.id,
                brand: c.brand,
                last4: c.last4,
                exp_month: c.exp_month,
                exp_year: c.exp_year,
            })
            .collect(),
        past_due_cents: Cents(past_due),
        currency: CURRENCY.into(),
    })
}

/// Implements `Store` for a backend struct with a `pool` field and a
/// `begin_write()` method. `next_invoice_number` is the SQL expression that
/// numbers a new invoice on that backend.
macro_rules! impl_store {
    ($store:ty, next_invoice_number = $next_invoice_number:literal) => {
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
                let vehicles = sqlx::query_as(sql::VEHICLES_SQL).bind(id).fetch_all(&self.pool).await?;
                let cards = sqlx::query_as(sql::CARDS_SQL).bind(id).fetch_all(&self.pool).await?;
                let past_due: i64 = sqlx::query_scalar(sql::PAST_DUE_SQL).bind(id).fetch_one(&self.pool).await?;
                sql::client_from_rows(row, vehicles, cards, past_due).map(Some)
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
                for (position, line) in (0_i64..).zip(&invoice.lines) {
                    sqlx::query("insert into invoice_lines (invoice_id, position, kind, description, amount_cents) values ($1, $2, $3, $4, $5)")
                        .bind(invoice.id).bind(position).bind(line.kind.as_str()).bind(&line.description).bind(line.amount_cents.0)
                        .execute(&mut **tx).await?;
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
