//! The app's clock: the one source of "now", which tests can move.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

/// The app's only source of "now". Tests move it forward instead of sleeping.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// Current time, to the microsecond (what both databases store).
    pub fn now(&self) -> DateTime<Utc> {
        (Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst)))
            .trunc_subsecs(6)
    }

    /// Sets this clock to `at` (it runs on from there); used by tests that
    /// need a given time of day, such as just after UTC midnight.
    pub fn set(&self, at: DateTime<Utc>) {
        self.offset_ms
            .store((at - Utc::now()).num_milliseconds(), Ordering::SeqCst);
    }

    /// Moves this clock forward; used by tests.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}
