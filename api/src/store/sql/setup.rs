//! [`SetupStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::Backend;
use crate::store::{BusinessCounts, Result, SeedData, SetupStore};
use async_trait::async_trait;

/// When each scheduled job last succeeded (on any instance).
const JOB_LAST_SUCCESS: &str = "select name, last_succeeded_at from scheduled_jobs \
    where last_succeeded_at is not null order by name";

const INSERT_LOCATION: &str = "insert into locations (id, name, accepts_payments, tax_rate_ppm, \
    daily_rate_cents, price_14_cents, price_30_cents, time_zone, created_at, updated_at) \
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)";

const INSERT_CLIENT: &str = "insert into clients (id, location_id, first_name, last_name, phone, \
    email, plan_days, autopay_enabled, autopay_card_id, language, created_at, updated_at) \
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $11, $10, $10)";

const INSERT_VEHICLE: &str = "insert into vehicles (id, client_id, description, plate, \
    device_serial, paid_through, next_appointment_at, next_appointment_location, created_at, \
    updated_at) values ($1, $2, $3, $4, $5, $6, $8, $9, $7, $7)";

const INSERT_STAFF: &str = "insert into staff_users (id, email, name, role, password_hash, \
    created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6)";

const INSERT_CLIENT_LOGIN: &str = "insert into client_logins (id, client_id, email, \
    password_hash, created_at, updated_at) values ($1, $2, $3, $4, $5, $5)";

const PAYMENTS_BY_STATUS: &str =
    "select status, count(*) from payments group by status order by status";

const REFUNDS_BY_STATUS: &str =
    "select status, count(*) from refunds group by status order by status";

const DISPUTES_BY_STATUS: &str = "select dispute_status, count(*) from payments \
    where dispute_status is not null group by dispute_status order by dispute_status";

const LINKS_BY_STATUS: &str =
    "select status, count(*) from payment_links group by status order by status";

const OUTBOX_DEPTH: &str = "select count(*) from sms_outbox where status in ('queued', 'sending')";

const SMS_FAILED_BY_REASON: &str = "select coalesce(failure_reason, 'other') as reason, count(*) \
    from sms_outbox where status = 'failed' \
    group by coalesce(failure_reason, 'other') order by reason";

#[async_trait]
impl SetupStore for Backend {
    async fn migrate(&self) -> Result<()> {
        Self::MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("select 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn is_empty(&self) -> Result<bool> {
        let count: i64 = sqlx::query_scalar("select count(*) from staff_users")
            .fetch_one(&self.pool)
            .await?;
        Ok(count == 0)
    }

    async fn seed(&self, data: &SeedData) -> Result<()> {
        let now = data.now;
        let mut tx = self.begin_write().await?;
        for l in &data.locations {
            sqlx::query(INSERT_LOCATION)
                .bind(l.id)
                .bind(&l.name)
                .bind(l.accepts_payments)
                .bind(l.tax_rate_ppm)
                .bind(l.daily_rate.map(|c| c.0))
                .bind(l.price_14.map(|c| c.0))
                .bind(l.price_30.map(|c| c.0))
                .bind(&l.time_zone)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        for c in &data.clients {
            sqlx::query(INSERT_CLIENT)
                .bind(c.id)
                .bind(c.location_id)
                .bind(&c.first_name)
                .bind(&c.last_name)
                .bind(&c.phone)
                .bind(&c.email)
                .bind(c.plan_days.days())
                .bind(c.autopay_card_id.is_some())
                .bind(c.autopay_card_id)
                .bind(now)
                .bind(c.language.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for v in &data.vehicles {
            sqlx::query(INSERT_VEHICLE)
                .bind(v.id)
                .bind(v.client_id)
                .bind(&v.description)
                .bind(&v.plate)
                .bind(&v.device_serial)
                .bind(v.paid_through)
                .bind(now)
                .bind(v.next_appointment.as_ref().map(|(at, _)| *at))
                .bind(v.next_appointment.as_ref().map(|(_, name)| name))
                .execute(&mut *tx)
                .await?;
        }
        for c in &data.cards {
            super::cards::keep_card(&mut tx, c, now).await?;
        }
        for i in &data.invoices {
            super::invoices::insert_invoice(&mut tx, i, now).await?;
        }
        for s in &data.staff {
            sqlx::query(INSERT_STAFF)
                .bind(s.id)
                .bind(&s.email)
                .bind(&s.name)
                .bind(&s.role)
                .bind(&s.password_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        for l in &data.client_logins {
            sqlx::query(INSERT_CLIENT_LOGIN)
                .bind(l.id)
                .bind(l.client_id)
                .bind(&l.email)
                .bind(&l.password_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn business_counts(&self) -> Result<BusinessCounts> {
        Ok(BusinessCounts {
            payments_by_status: sqlx::query_as(PAYMENTS_BY_STATUS)
                .fetch_all(&self.pool)
                .await?,
            links_by_status: sqlx::query_as(LINKS_BY_STATUS)
                .fetch_all(&self.pool)
                .await?,
            outbox_depth: sqlx::query_scalar(OUTBOX_DEPTH)
                .fetch_one(&self.pool)
                .await?,
            sms_failed_by_reason: sqlx::query_as(SMS_FAILED_BY_REASON)
                .fetch_all(&self.pool)
                .await?,
            refunds_by_status: sqlx::query_as(REFUNDS_BY_STATUS)
                .fetch_all(&self.pool)
                .await?,
            disputes_by_status: sqlx::query_as(DISPUTES_BY_STATUS)
                .fetch_all(&self.pool)
                .await?,
            job_last_success: sqlx::query_as(JOB_LAST_SUCCESS)
                .fetch_all(&self.pool)
                .await?,
        })
    }
}
