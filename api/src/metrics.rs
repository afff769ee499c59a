//! Prometheus metrics at `/metrics`. HTTP figures are this process's; the
//! business figures (payments, links, SMS outbox) are read from the database,
//! so every instance reports the same, true numbers.

use crate::domain::SmsFailureReason;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::BusinessCounts;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::sync::Mutex;
use std::time::Duration;

/// Latency buckets in seconds.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0,
];

/// The methods the API answers; any other is counted as `OTHER`, so a caller
/// cannot add label values (and memory) by making methods up.
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// One series of requests. Every value is bounded: a known method or
/// `OTHER`, a route *pattern* the app registered or `unmatched`, a status code.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

/// Why SMS failed: one of the known `SmsFailureReason`s, else `other`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

/// One scheduled job (`status_sync`, `purge`, `autopay:<location id>`): a
/// bounded set, one per job and location.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabel {
    job: String,
}

fn requests_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// This process's metrics, on the `prometheus-client` library (the
/// Prometheus project's own Rust client, chosen over hand-written
/// exposition): HTTP request latency by method, route pattern and status, and
/// the business figures, read from the database at each scrape.
pub struct HttpMetrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Histogram, fn() -> Histogram>,
    payments: Family<StatusLabel, Gauge>,
    links: Family<StatusLabel, Gauge>,
    outbox_depth: Gauge,
    sms_failed: Family<ReasonLabel, Gauge>,
    refunds: Family<StatusLabel, Gauge>,
    disputes: Family<StatusLabel, Gauge>,
    database_up: Gauge,
    job_runs: Family<JobLabel, Counter>,
    job_failures: Family<JobLabel, Counter>,
    job_last_success: Family<JobLabel, Gauge>,
}

impl Default for HttpMetrics {
    fn default() -> HttpMetrics {
        let metrics = HttpMetrics {
            registry: Mutex::new(Registry::default()),
            requests: Family::new_with_constructor(requests_histogram),
            payments: Family::default(),
            links: Family::default(),
            outbox_depth: Gauge::default(),
            sms_failed: Family::default(),
            refunds: Family::default(),
            disputes: Family::default(),
            database_up: Gauge::default(),
            job_runs: Family::default(),
            job_failures: Family::default(),
            job_last_success: Family::default(),
        };
        if let Ok(mut registry) = metrics.registry.lock() {
            registry.register(
                "http_request_duration_seconds",
                "HTTP requests and their latency by method, route pattern and status",
                metrics.requests.clone(),
            );
            registry.register("payments", "Payments by status", metrics.payments.clone());
            registry.register(
                "payment_links",
                "Payment links by stored status",
                metrics.links.clone(),
            );
            registry.register(
                "refunds",
                "Refunds by status (alert on unknown that stays)",
                metrics.refunds.clone(),
            );
            registry.register(
                "payment_disputes",
                "Payments with a dispute by the cardholder's bank, by dispute status (alert on open)",
                metrics.disputes.clone(),
            );
            registry.register(
                "sms_outbox_depth",
                "SMS waiting to be sent",
                metrics.outbox_depth.clone(),
            );
            registry.register(
                "sms_failed",
                "SMS that failed, by reason (docs/payments.md, Secure payment links: SMS failures)",
                metrics.sms_failed.clone(),
            );
            registry.register(
                "job_runs",
                "Runs of each scheduled job by this instance",
                metrics.job_runs.clone(),
            );
            registry.register(
                "job_failures",
                "Failed runs of each scheduled job by this instance",
                metrics.job_failures.clone(),
            );
            registry.register(
                "job_last_success_timestamp_seconds",
                "When each scheduled job last succeeded, on any instance (Unix time; alert when Auto Pay's is over a day old)",
                metrics.job_last_success.clone(),
            );
            registry.register(
                "database_up",
                "Whether the database answered the last scrape",
                metrics.database_up.clone(),
            );
        }
        metrics
    }
}

impl HttpMetrics {
    /// Counts one answered request. `method` is collapsed to a known method or
    /// `OTHER`; `route` must be a registered pattern or `unmatched`.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let method = METHODS
            .into_iter()
            .find(|known| *known == method)
            .unwrap_or("OTHER");
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route: route.to_owned(),
                status,
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Counts one run of scheduled job `job` by this instance.
    pub fn job_ran(&self, job: &str, succeeded: bool) {
        let label = JobLabel {
            job: job.to_owned(),
        };
        self.job_runs.get_or_create(&label).inc();
        if !succeeded {
            self.job_failures.get_or_create(&label).inc();
        }
    }

    /// The OpenMetrics text of every metric, with the business figures of
    /// `counts` (`None`: the database did not answer).
    fn render(&self, counts: Option<&BusinessCounts>) -> String {
        let set = |family: &Family<StatusLabel, Gauge>, values: &[(String, i64)]| {
            family.clear();
            for (status, count) in values {
                family
                    .get_or_create(&StatusLabel {
                        status: status.clone(),
                    })
                    .set(*count);
            }
        };
        let mut out = String::new();
        // One scrape at a time, so each sees one consistent set of figures.
        let Ok(registry) = self.registry.lock() else {
            return out;
        };
        match counts {
            Some(counts) => {
                set(&self.payments, &counts.payments_by_status);
                set(&self.links, &counts.links_by_status);
                set(&self.refunds, &counts.refunds_by_status);
                set(&self.disputes, &counts.disputes_by_status);
                self.outbox_depth.set(counts.outbox_depth);
                self.job_last_success.clear();
                for (job, at) in &counts.job_last_success {
                    self.job_last_success
                        .get_or_create(&JobLabel { job: job.clone() })
                        .set(at.timestamp());
                }
                self.sms_failed.clear();
                for (reason, count) in &counts.sms_failed_by_reason {
                    // A stored value this version does not know counts as
                    // `other`, added to it: the label set stays bounded.
                    let reason = SmsFailureReason::parse(reason).as_str();
                    self.sms_failed
                        .get_or_create(&ReasonLabel { reason })
                        .inc_by(*count);
                }
                self.database_up.set(1);
            }
            None => {
                self.database_up.set(0);
            }
        }
        if let Err(error) = prometheus_client::encoding::text::encode(&mut out, &registry) {
            tracing::warn!(%error, "metrics could not be encoded");
        }
        out
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
    let counts = match state.store.business_counts().await {
        Ok(counts) => Some(counts),
        Err(error) => {
            tracing::warn!(%error, "metrics: database unavailable");
            None
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.http_metrics.render(counts.as_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_into_cumulative_buckets() {
        let metrics = HttpMetrics::default();
        metrics.observe("GET", "/a", 200, Duration::from_millis(3));
        metrics.observe("GET", "/a", 200, Duration::from_millis(30));
        let out = metrics.render(None);
        let series = r#"method="GET",route="/a",status="200""#;
        assert!(
            out.contains(&format!(
                "http_request_duration_seconds_count{{{series}}} 2"
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "http_request_duration_seconds_bucket{{le=\"0.005\",{series}}} 1"
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "http_request_duration_seconds_bucket{{le=\"0.05\",{series}}} 2"
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "http_request_duration_seconds_sum{{{series}}} 0.033"
            )),
            "{out}"
        );
        assert!(out.contains("database_up 0"), "{out}");
    }

    #[test]
    fn made_up_methods_share_one_series() {
        let metrics = HttpMetrics::default();
        for n in 0..500 {
            metrics.observe(&format!("X{n}"), "unmatched", 404, Duration::from_millis(1));
        }
        let out = metrics.render(None);
        assert!(out.contains(r#"http_request_duration_seconds_count{method="OTHER",route="unmatched",status="404"} 500"#), "{out}");
        assert!(!out.contains("X1"), "{out}");
    }

    #[test]
    fn a_status_no_longer_counted_disappears() {
        let metrics = HttpMetrics::default();
        let mut counts = BusinessCounts {
            payments_by_status: vec![("pending".into(), 1)],
            links_by_status: vec![],
            outbox_depth: 3,
            ..BusinessCounts::default()
        };
        assert!(metrics
            .render(Some(&counts))
            .contains(r#"payments{status="pending"} 1"#));
        counts.payments_by_status = vec![("succeeded".into(), 1)];
        let out = metrics.render(Some(&counts));
        assert!(!out.contains("pending"), "{out}");
        assert!(out.contains("sms_outbox_depth 3"), "{out}");
    }

    #[test]
    fn failed_sms_are_counted_by_known_reasons_and_the_rest_as_other() {
        let metrics = HttpMetrics::default();
        let counts = BusinessCounts {
            sms_failed_by_reason: vec![
                ("not_mobile".into(), 1),
                ("opted_out".into(), 2),
                ("other".into(), 1),
                ("reason_of_a_newer_version".into(), 3),
            ],
            ..BusinessCounts::default()
        };
        let out = metrics.render(Some(&counts));
        assert!(out.contains(r#"sms_failed{reason="opted_out"} 2"#), "{out}");
        assert!(
            out.contains(r#"sms_failed{reason="not_mobile"} 1"#),
            "{out}"
        );
        assert!(out.contains(r#"sms_failed{reason="other"} 4"#), "{out}");
        assert!(!out.contains("newer_version"), "{out}");
        // A reason no longer counted disappears at the next scrape.
        let out = metrics.render(Some(&BusinessCounts::default()));
        assert!(!out.contains("opted_out"), "{out}");
    }
}
