//! [`CardStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::{client_log::insert_log, Backend, Db};
use crate::domain::Card;
use crate::store::{CardRemoval, CardStore, ChargeableCard, NewCard, NewLogEntry, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

const INSERT_CARD: &str = "insert into cards (id, client_id, gateway_token, brand, last4, \
    exp_month, exp_year, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8)";

const CHARGEABLE_CARD: &str = "select id, brand, last4, exp_month, exp_year, gateway_token \
    from cards where id = $1 and client_id = $2 and deleted_at is null";

const AUTOPAY_CARD: &str = "select autopay_card_id from clients where id = $1";

const REMOVE_CARD: &str = "update cards set deleted_at = $3, updated_at = $3 \
    where id = $1 and client_id = $2 and deleted_at is null";

/// Writes a card on file inside `tx`.
pub(super) async fn insert_card(
    tx: &mut sqlx::Transaction<'_, Db>,
    card: &NewCard,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(INSERT_CARD)
        .bind(card.id)
        .bind(card.client_id)
        .bind(&card.gateway_token)
        .bind(&card.brand)
        .bind(&card.last4)
        .bind(card.exp_month)
        .bind(card.exp_year)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait]
impl CardStore for Backend {
    async fn chargeable_card(
        &self,
        client_id: Uuid,
        card_id: Uuid,
    ) -> Result<Option<ChargeableCard>> {
        let row: Option<(Uuid, String, String, i64, i64, String)> = sqlx::query_as(CHARGEABLE_CARD)
            .bind(card_id)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(
            |(id, brand, last4, exp_month, exp_year, gateway_token)| ChargeableCard {
                card: Card {
                    id,
                    brand,
                    last4,
                    exp_month,
                    exp_year,
                },
                gateway_token,
            },
        ))
    }

    async fn add_card(&self, c: &NewCard, log: &NewLogEntry, now: DateTime<Utc>) -> Result<Card> {
        let mut tx = self.begin_write().await?;
        insert_card(&mut tx, c, now).await?;
        insert_log(&mut *tx, log, &log.message, now).await?;
        tx.commit().await?;
        Ok(Card {
            id: c.id,
            brand: c.brand.clone(),
            last4: c.last4.clone(),
            exp_month: c.exp_month,
            exp_year: c.exp_year,
        })
    }

    async fn remove_card(
        &self,
        client_id: Uuid,
        card_id: Uuid,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<CardRemoval> {
        let mut tx = self.begin_write().await?;
        let autopay: Option<Option<Uuid>> = sqlx::query_scalar(AUTOPAY_CARD)
            .bind(client_id)
            .fetch_optional(&mut *tx)
            .await?;
        if autopay.flatten() == Some(card_id) {
            tx.rollback().await?;
            return Ok(CardRemoval::UsedByAutopay);
        }
        let removed = sqlx::query(REMOVE_CARD)
            .bind(card_id)
            .bind(client_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            tx.rollback().await?;
            return Ok(CardRemoval::NotFound);
        }
        insert_log(&mut *tx, log, &log.message, now).await?;
        tx.commit().await?;
        Ok(CardRemoval::Removed)
    }
}
