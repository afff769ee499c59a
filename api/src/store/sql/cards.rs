//! [`CardStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::{client_log::insert_log, dialect, Backend, Db};
use crate::domain::{is_same_card, Card, CardIdentity};
use crate::store::{
    CardRemoval, CardStore, ChargeableCard, KeptCard, NewCard, NewLogEntry, Result,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

const INSERT_CARD: &str = "insert into cards (id, client_id, gateway_token, brand, last4, \
    exp_month, exp_year, fingerprint, created_at, updated_at) \
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)";

const CARDS_ON_FILE: &str = "select id, brand, last4, exp_month, exp_year, fingerprint \
    from cards where client_id = $1 and deleted_at is null order by created_at, id";

const CHARGEABLE_CARD: &str = "select id, brand, last4, exp_month, exp_year, gateway_token \
    from cards where id = $1 and client_id = $2 and deleted_at is null";

const AUTOPAY_CARD: &str = "select autopay_card_id from clients where id = $1";

const REMOVE_CARD: &str = "update cards set deleted_at = $3, updated_at = $3 \
    where id = $1 and client_id = $2 and deleted_at is null";

type CardRow = (Uuid, String, String, i64, i64, Option<String>);

/// Keeps a card on file inside `tx`, unless the client has that card on file
/// already ([`is_same_card`]): then that card is the answer and nothing is
/// written. Under the client's lock, so two saves of one card at once keep
/// it once.
pub(super) async fn keep_card(
    tx: &mut sqlx::Transaction<'_, Db>,
    card: &NewCard,
    now: DateTime<Utc>,
) -> Result<KeptCard> {
    sqlx::query(dialect::LOCK_CLIENT)
        .bind(card.client_id)
        .execute(&mut **tx)
        .await?;
    let on_file: Vec<CardRow> = sqlx::query_as(CARDS_ON_FILE)
        .bind(card.client_id)
        .fetch_all(&mut **tx)
        .await?;
    let same = on_file.into_iter().find(|(_, brand, last4, m, y, fp)| {
        let kept = CardIdentity {
            fingerprint: fp.as_deref(),
            brand,
            last4,
            exp_month: *m,
            exp_year: *y,
        };
        is_same_card(&kept, &card.identity())
    });
    if let Some((id, brand, last4, exp_month, exp_year, _)) = same {
        return Ok(KeptCard {
            card: Card {
                id,
                brand,
                last4,
                exp_month,
                exp_year,
            },
            already_on_file: true,
        });
    }
    sqlx::query(INSERT_CARD)
        .bind(card.id)
        .bind(card.client_id)
        .bind(&card.gateway_token)
        .bind(&card.brand)
        .bind(&card.last4)
        .bind(card.exp_month)
        .bind(card.exp_year)
        .bind(&card.fingerprint)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(KeptCard {
        card: Card {
            id: card.id,
            brand: card.brand.clone(),
            last4: card.last4.clone(),
            exp_month: card.exp_month,
            exp_year: card.exp_year,
        },
        already_on_file: false,
    })
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

    async fn add_card(
        &self,
        c: &NewCard,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<KeptCard> {
        let mut tx = self.begin_write().await?;
        let kept = keep_card(&mut tx, c, now).await?;
        if !kept.already_on_file {
            insert_log(&mut *tx, log, &log.message, now).await?;
        }
        tx.commit().await?;
        Ok(kept)
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
