//! The monitoring periods a client can pay for: 14 or 30 days, nothing else.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The length of a monitoring period a client can pay for: 14 or 30 days,
/// nothing else. Holding one means the number was already checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MonitorDays {
    Fourteen,
    Thirty,
}

impl MonitorDays {
    pub fn parse(days: i64) -> Option<MonitorDays> {
        match days {
            14 => Some(MonitorDays::Fourteen),
            30 => Some(MonitorDays::Thirty),
            _ => None,
        }
    }

    pub fn days(self) -> i64 {
        match self {
            MonitorDays::Fourteen => 14,
            MonitorDays::Thirty => 30,
        }
    }
}

impl Serialize for MonitorDays {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.days())
    }
}

impl<'de> Deserialize<'de> for MonitorDays {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let days = i64::deserialize(deserializer)?;
        MonitorDays::parse(days)
            .ok_or_else(|| serde::de::Error::custom("monitor_days must be 14 or 30"))
    }
}

/// In the spec, one component `MonitorDays` that every monitor-days field
/// refers to (a generated client gets one type, not one per schema).
impl utoipa::PartialSchema for MonitorDays {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        schema().into()
    }
}

impl utoipa::ToSchema for MonitorDays {
    fn name() -> std::borrow::Cow<'static, str> {
        "MonitorDays".into()
    }
}

/// The OpenAPI schema of monitor days: the integer 14 or 30.
pub fn schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int32,
        )))
        .enum_values(Some([14, 30]))
        .description(Some(
            "The length of a monitoring period a client pays for: 14 or 30 days, nothing else.",
        ))
        .examples([14])
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fourteen_and_thirty_days_exist() {
        assert_eq!(MonitorDays::parse(14), Some(MonitorDays::Fourteen));
        assert_eq!(MonitorDays::parse(30), Some(MonitorDays::Thirty));
        for bad in [0, 7, 15, 29, 31, -14] {
            assert_eq!(MonitorDays::parse(bad), None);
        }
    }

    #[test]
    fn monitor_days_travel_as_plain_numbers() {
        assert_eq!(serde_json::to_string(&MonitorDays::Thirty).unwrap(), "30");
        assert_eq!(
            serde_json::from_str::<MonitorDays>("14").unwrap(),
            MonitorDays::Fourteen
        );
        assert!(serde_json::from_str::<MonitorDays>("21").is_err());
    }
}
