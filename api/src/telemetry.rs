//! Logging. Request spans record the matched route *pattern*
//! (`/api/v1/payment-links/{link_id}/resend`), never the raw path or query, so
//! identifiers in URLs stay out of log lines. Secrets never travel in URLs.

use crate::config::LogFormat;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber (once per process; later calls are no-ops).
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

pub struct RouteSpan;

impl RootSpanBuilder for RouteSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().copied();
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        tracing::info_span!(
            "request",
            method = %request.method(),
            route = %route,
            request_id = %request_id.map(|id| id.to_string()).unwrap_or_default(),
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span.clone(), outcome);
        if let Ok(response) = outcome {
            span.record("status", response.status().as_u16());
            span.in_scope(|| tracing::info!("request completed"));
        }
    }
}
