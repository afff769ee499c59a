//! Prometheus metrics at `/metrics`. HTTP figures are this process's; the
//! business figures (payments, links, SMS outbox) are read from the database,
//! so every instance reports the same, true numbers.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Latency buckets in seconds.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum_micros: u64,
    buckets: [u64; BUCKETS.len()],
}

/// Request counts and latency by method, route pattern and status.
#[derive(Default)]
pub struct HttpMetrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl HttpMetrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let Ok(mut series) = self.series.lock() else {
            return;
        };
        let entry = series
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default();
        entry.count += 1;
        entry.sum_micros += u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in entry.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    fn render(&self, out: &mut String) {
        let Ok(series) = self.series.lock() else {
            return;
        };
        out.push_str("# HELP http_requests_total HTTP requests by route pattern and status.\n# TYPE http_requests_total counter\n");
        for ((method, route, status), s) in series.iter() {
            let _ = writeln!(out, "http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}", s.count);
        }
        out.push_str("# HELP http_request_duration_seconds HTTP request latency.\n# TYPE http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in series.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\",status=\"{status}\"");
            for (count, bound) in s.buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_sum{{{labels}}} {}.{:06}",
                s.sum_micros / 1_000_000,
                s.sum_micros % 1_000_000
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
    }
}

fn gauge(out: &mut String, name: &str, help: &str, label: &str, values: &[(String, i64)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    for (value_label, count) in values {
        let _ = writeln!(out, "{name}{{{label}=\"{value_label}\"}} {count}");
    }
}

/// Whether the request carries `METRICS_TOKEN` as its bearer token (any
/// request does when none is configured). Compares digests, so the time
/// taken tells nothing about the token.
fn scraper_allowed(req: &HttpRequest, token: Option<&SecretString>) -> bool {
    let Some(token) = token else {
        return true;
    };
    let sent = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    Sha256::digest(sent.as_bytes()) == Sha256::digest(token.expose_secret().as_bytes())
}

/// `GET /metrics`
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    if !scraper_allowed(&req, state.settings.metrics_token.as_ref()) {
        return Err(ApiError::Unauthorized(
            "send METRICS_TOKEN as a bearer token",
        ));
    }
    let mut out = String::new();
    state.http_metrics.render(&mut out);
    match state.store.business_counts().await {
        Ok(counts) => {
            gauge(
                &mut out,
                "payments",
                "Payments by status.",
                "status",
                &counts.payments_by_status,
            );
            gauge(
                &mut out,
                "payment_links",
                "Payment links by stored status.",
                "status",
                &counts.links_by_status,
            );
            let _ = writeln!(out, "# HELP sms_outbox_depth SMS waiting to be sent.\n# TYPE sms_outbox_depth gauge\nsms_outbox_depth {}", counts.outbox_depth);
            let _ = writeln!(out, "# HELP database_up Whether the database answered.\n# TYPE database_up gauge\ndatabase_up 1");
        }
        Err(error) => {
            tracing::warn!(%error, "metrics: database unavailable");
            let _ = writeln!(out, "# HELP database_up Whether the database answered.\n# TYPE database_up gauge\ndatabase_up 0");
        }
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_into_cumulative_buckets() {
        let metrics = HttpMetrics::default();
        metrics.observe("GET", "/a", 200, Duration::from_millis(3));
        metrics.observe("GET", "/a", 200, Duration::from_millis(30));
        let mut out = String::new();
        metrics.render(&mut out);
        assert!(out.contains("http_requests_total{method=\"GET\",route=\"/a\",status=\"200\"} 2"));
        assert!(out.contains("le=\"0.005\"} 1"));
        assert!(out.contains("le=\"0.05\"} 2"));
        assert!(out.contains("http_request_duration_seconds_sum{method=\"GET\",route=\"/a\",status=\"200\"} 0.033000"));
    }
}
