//! The app's clock: the one source of "now", which tests can move.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

/// The app's only source of "now". Tests move it forward instead of sleeping.
///
/// It runs with the system clock (plus an offset tests add); a test clock is
/// [`Clock::freeze`]d so that its time moves only when the test moves it: a
/// boundary one second away stays one second away however slow the machine.
#[derive(Debug, Default)]
pub struct Clock {
    /// Added to the base time, in microseconds (the precision both databases store).
    offset_us: AtomicI64,
    /// The system time (Unix milliseconds) this clock stopped at; 0: running.
    frozen_at_ms: AtomicI64,
    /// A frozen clock's readings so far: each reading is one microsecond
    /// after the one before, so that events keep the order they happened in
    /// (as with a running clock) while time as a whole stands still.
    frozen_ticks: AtomicI64,
}

impl Clock {
    /// Current time, to the microsecond (what both databases store).
    pub fn now(&self) -> DateTime<Utc> {
        (self.base() + Duration::microseconds(self.offset_us.load(Ordering::SeqCst)))
            .trunc_subsecs(6)
    }

    /// The system time, or the instant this clock was frozen at plus one
    /// microsecond per reading since.
    fn base(&self) -> DateTime<Utc> {
        match self.frozen_at_ms.load(Ordering::SeqCst) {
            0 => Utc::now(),
            ms => {
                let ticks = self.frozen_ticks.fetch_add(1, Ordering::SeqCst);
                DateTime::from_timestamp_millis(ms).unwrap_or_else(Utc::now)
                    + Duration::microseconds(ticks)
            }
        }
    }

    /// Stops this clock where it is: from then on only [`Clock::advance`] and
    /// [`Clock::set`] move it (and each reading, by a microsecond). Used by
    /// tests; `serve` never freezes its clock.
    pub fn freeze(&self) {
        let now = Utc::now().timestamp_millis();
        let _ = self
            .frozen_at_ms
            .compare_exchange(0, now, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// A new clock showing this one's time, frozen if this one is: a second
    /// test instance's, so that two instances agree on "now" as two servers'
    /// clocks do. The two then move apart only as each is moved.
    pub fn same_time(&self) -> Clock {
        let load = |value: &AtomicI64| AtomicI64::new(value.load(Ordering::SeqCst));
        Clock {
            offset_us: load(&self.offset_us),
            frozen_at_ms: load(&self.frozen_at_ms),
            frozen_ticks: load(&self.frozen_ticks),
        }
    }

    /// Sets this clock to `at` (a running clock runs on from there); used by
    /// tests that need a given time of day, such as just after UTC midnight.
    pub fn set(&self, at: DateTime<Utc>) {
        let offset = (at - self.base()).num_microseconds().unwrap_or(i64::MAX);
        self.offset_us.store(offset, Ordering::SeqCst);
    }

    /// Moves this clock forward; used by tests.
    pub fn advance(&self, by: Duration) {
        let by = by.num_microseconds().unwrap_or(i64::MAX);
        self.offset_us.fetch_add(by, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_clock_moves_only_when_it_is_moved() {
        let clock = Clock::default();
        clock.freeze();
        let at = clock.now();
        // Wait (no fixed sleep) until the system clock has moved on.
        let later = Utc::now() + Duration::milliseconds(3);
        while Utc::now() < later {
            std::hint::spin_loop();
        }
        let next = clock.now();
        assert!(
            next > at && next - at < Duration::milliseconds(1),
            "{at} {next}"
        );
        clock.advance(Duration::seconds(1));
        let moved = clock.now() - next;
        assert!(moved > Duration::seconds(1) && moved < Duration::milliseconds(1001));
        let midnight: DateTime<Utc> = "2026-12-01T00:00:00Z".parse().expect("an instant");
        clock.set(midnight);
        let set = clock.now() - midnight;
        assert!(
            set >= Duration::zero() && set < Duration::milliseconds(1),
            "{set}"
        );
    }

    #[test]
    fn a_second_instances_clock_shows_the_same_time_and_moves_on_its_own() {
        let first = Clock::default();
        first.freeze();
        first.advance(Duration::minutes(9));
        let second = first.same_time();
        let gap = second.now() - first.now();
        assert!(gap.abs() < Duration::milliseconds(1), "{gap}");
        second.advance(Duration::minutes(1));
        assert!(second.now() - first.now() >= Duration::minutes(1) - Duration::milliseconds(1));
    }
}
