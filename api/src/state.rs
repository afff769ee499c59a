use crate::auth::JwtKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::store::Store;
use std::sync::Arc;

/// What every request handler may use; adapters are chosen once, at start-up.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub jwt: JwtKeys,
    pub clock: Arc<Clock>,
    pub settings: Arc<Settings>,
}
