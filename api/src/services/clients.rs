//! Staff's edits of a client's own details: for now the language of the
//! client's texts and My Account pages (issue 19, item 6).

use crate::domain::{Actor, Client, Language};
use crate::error::{ApiResult, CLIENT_NOT_FOUND};
use crate::state::AppState;
use crate::store::NewLogEntry;
use uuid::Uuid;

/// Sets client `client_id`'s language and writes a Client Log line naming
/// both languages and who changed it, in one transaction; setting the
/// language the client already has changes nothing and logs nothing.
/// Returns the client as it now is (`404 client_not_found` when there is
/// none).
pub async fn set_language(
    state: &AppState,
    actor: &Actor,
    client_id: Uuid,
    language: Language,
) -> ApiResult<Client> {
    let client = state
        .store
        .client(client_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    if client.language == language {
        return Ok(client);
    }
    let log = NewLogEntry::by(
        actor,
        client_id,
        format!(
            "Language of texts and My Account changed from {} to {} by {}",
            client.language.english_name(),
            language.english_name(),
            actor.name()
        ),
    );
    if !state
        .store
        .set_language(client_id, language, &log, state.clock.now())
        .await?
    {
        return Err(CLIENT_NOT_FOUND);
    }
    state.store.client(client_id).await?.ok_or(CLIENT_NOT_FOUND)
}
