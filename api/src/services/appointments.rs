//! Service appointments: staff book or clear a vehicle's next service
//! appointment (PLUS Web, the vehicle on the client page). The client sees it
//! in My Account, with a warning when the vehicle's monitoring runs out before
//! it ([`crate::domain::appointment::pay_before_appointment`]).

use crate::auth::Staff;
use crate::domain::appointment::LOCATION_NAME_MAX_CHARS;
use crate::domain::{LocationTimeZone, Vehicle};
use crate::error::{ApiError, ApiResult, ProblemCode, CLIENT_NOT_FOUND, VEHICLE_NOT_FOUND};
use crate::state::AppState;
use crate::store::NewLogEntry;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A service appointment to book: when it starts (any offset) and where.
pub struct Booking {
    pub starts_at: DateTime<Utc>,
    /// As typed; trimmed, 1 to [`LOCATION_NAME_MAX_CHARS`] characters.
    pub location_name: String,
}

/// Books (`Some`) or clears (`None`) the next service appointment of the
/// client's vehicle, with a Client Log line naming the staff member. `404
/// client_not_found` / `vehicle_not_found`; `422 validation_failed` for a
/// start in the past or an empty or too long location name. Returns the
/// vehicle as it is now.
pub async fn set_next(
    state: &AppState,
    staff: &Staff,
    client_id: Uuid,
    vehicle_id: Uuid,
    booking: Option<Booking>,
) -> ApiResult<Vehicle> {
    let client = state
        .store
        .client(client_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    let vehicle = client.vehicle(vehicle_id).ok_or(VEHICLE_NOT_FOUND)?;
    let zone = LocationTimeZone::or_utc(&client.location.time_zone);
    let now = state.clock.now();
    let (appointment, message) = match &booking {
        Some(booking) => {
            let name = booking.location_name.trim();
            if name.is_empty() || name.chars().count() > LOCATION_NAME_MAX_CHARS {
                return Err(ApiError::validation(
                    ProblemCode::ValidationFailed,
                    "location_name",
                    format!(
                        "name the service location (1 to {LOCATION_NAME_MAX_CHARS} characters)"
                    ),
                ));
            }
            if booking.starts_at <= now {
                return Err(ApiError::validation(
                    ProblemCode::ValidationFailed,
                    "starts_at",
                    "the appointment must start in the future",
                ));
            }
            let local = booking.starts_at.with_timezone(&zone.tz());
            let message = format!(
                "Next service appointment for {} set to {} at {name} by {}",
                vehicle.description,
                local.format("%b %-d, %Y, %-I:%M %p %Z"),
                staff.name
            );
            (Some((booking.starts_at, name)), message)
        }
        None => (
            None,
            format!(
                "Next service appointment for {} cleared by {}",
                vehicle.description, staff.name
            ),
        ),
    };
    let log = NewLogEntry::by(&staff.actor(), client.id, message);
    if !state
        .store
        .set_next_appointment(client.id, vehicle_id, appointment, &log, now)
        .await?
    {
        return Err(VEHICLE_NOT_FOUND);
    }
    let client = state
        .store
        .client(client_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    client.vehicle(vehicle_id).cloned().ok_or(VEHICLE_NOT_FOUND)
}
