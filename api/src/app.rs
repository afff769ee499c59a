//! Start-up: connect and migrate the store, seed demo data when asked, bind,
//! and build the actix server.

use crate::clock::Clock;
use crate::config::{GatewaySettings, Settings, SmsSettings};
use crate::error::{self, ApiError, ProblemCode};
use crate::gateway::{PaymentGateway, SandboxGateway, StripeGateway};
use crate::routes;
use crate::sms::{ConsoleSender, SmsSender, TwilioSender};
use crate::state::AppState;
use crate::store::{self, Store};
use crate::{docs, metrics, security, seed, telemetry, text_input};
use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::dev::Service;
use actix_web::HttpMessage;
use actix_web::{http::header, middleware, web, App, HttpRequest, HttpResponse, HttpServer};
use futures_util::future::Either;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tracing::instrument::WithSubscriber;
use tracing::Dispatch;
use tracing_actix_web::{RequestId, TracingLogger};

/// The external services, chosen once from the settings.
#[derive(Clone)]
pub struct Adapters {
    pub gateway: Arc<dyn PaymentGateway>,
    pub sandbox: Option<Arc<SandboxGateway>>,
    pub sms: Arc<dyn SmsSender>,
}

impl Adapters {
    pub fn from_settings(settings: &Settings) -> Adapters {
        let sms = sms_sender(&settings.sms);
        match &settings.gateway {
            GatewaySettings::Sandbox { latency_ms } => Adapters {
                sms,
                ..Adapters::sandbox(Arc::new(SandboxGateway::new(Duration::from_millis(
                    *latency_ms,
                ))))
            },
            GatewaySettings::Stripe {
                secret_key,
                api_base,
                ..
            } => Adapters {
                gateway: Arc::new(StripeGateway::new(
                    api_base.clone(),
                    secret_key.clone(),
                    GATEWAY_TIMEOUT,
                )),
                sandbox: None,
                sms,
            },
        }
    }

    /// The sandbox gateway and the console SMS sender (the default run, tests).
    pub fn sandbox(sandbox: Arc<SandboxGateway>) -> Adapters {
        Adapters {
            gateway: sandbox.clone(),
            sandbox: Some(sandbox),
            sms: Arc::new(ConsoleSender),
        }
    }
}

/// The SMS sender `SMS_SENDER` names.
pub fn sms_sender(settings: &SmsSettings) -> Arc<dyn SmsSender> {
    match settings {
        SmsSettings::Console => Arc::new(ConsoleSender),
        SmsSettings::Twilio {
            account_sid,
            auth_token,
            sender,
            api_base,
        } => Arc::new(TwilioSender::new(
            api_base,
            account_sid.clone(),
            auth_token.clone(),
            sender.clone(),
            SMS_TIMEOUT,
        )),
    }
}

/// The largest JSON request body read, in bytes (larger: 413 payload_too_large).
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

/// How long we wait for the gateway before treating the outcome as unknown:
/// 80 s, the timeout of Stripe's own libraries (stripe-node, stripe-python),
/// because each timeout leaves an unknown outcome for the status sync, while
/// Stripe answers a card confirmation in a few seconds and the slow tail is
/// the issuer's. nginx in front waits 90 s (`deploy/nginx/spa.conf.template`).
const GATEWAY_TIMEOUT: Duration = Duration::from_secs(80);
/// How long we wait for the SMS provider before retrying later.
const SMS_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

/// Connects to `DATABASE_URL`, applies migrations, and seeds the demo data
/// into an empty database when `SEED_DEMO` says so.
pub async fn open_store(settings: &Settings, clock: &Clock) -> anyhow::Result<Arc<dyn Store>> {
    let store = store::connect(&settings.database_url).await?;
    store.migrate().await?;
    if settings.seed_demo_on_empty && store.is_empty().await? {
        store.seed(&seed::demo_data(clock.now())).await?;
        tracing::info!("seeded demo data into the empty database");
    }
    Ok(store)
}

/// The app's state for a one-off command (`sync-payments`, `autopay run`,
/// `notices run`): no server, so no listener for auth changes either (only
/// [`Application::build`] starts one; the command checks no token).
pub fn offline_state(
    settings: Settings,
    store: Arc<dyn Store>,
    clock: Arc<Clock>,
    adapters: Adapters,
) -> AppState {
    AppState::new(settings, store, clock, adapters)
}

impl Application {
    /// Binds `settings.bind_address` (port 0 picks a free port) and builds the
    /// server. Its log events go to the process's global subscriber.
    pub fn build(
        settings: Settings,
        store: Arc<dyn Store>,
        clock: Arc<Clock>,
        adapters: Adapters,
    ) -> anyhow::Result<Application> {
        Application::build_with_logs(settings, store, clock, adapters, None)
    }

    /// [`Application::build`], with every log event of a request sent to `logs`
    /// instead of the global subscriber when it is given: several apps in one
    /// process (the API tests) each keep their own log.
    pub fn build_with_logs(
        settings: Settings,
        store: Arc<dyn Store>,
        clock: Arc<Clock>,
        adapters: Adapters,
        logs: Option<Dispatch>,
    ) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.bind_address)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState::new(settings, store, clock, adapters));
        state.listen_for_auth_changes();
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(middleware::from_fn(text_input::refuse_control_characters))
                .wrap_fn({
                    // Per request: metrics by route pattern, security headers, request id.
                    let state = state.clone();
                    move |req, srv| {
                        let state = state.clone();
                        let started = std::time::Instant::now();
                        let method = req.method().to_string();
                        let path = req.path().to_owned();
                        let request_id =
                            req.extensions().get::<RequestId>().map(|id| id.to_string());
                        let response = srv.call(req);
                        async move {
                            let mut response = response.await?;
                            let route = response.request().match_pattern();
                            state.http_metrics.observe(
                                &method,
                                route.as_deref().unwrap_or("unmatched"),
                                response.status().as_u16(),
                                started.elapsed(),
                            );
                            let https = state.settings.public_base_url.starts_with("https://");
                            let headers = response.headers_mut();
                            security::add_headers(headers, &state.policies, &path, https);
                            if let Some(id) =
                                request_id.and_then(|id| header::HeaderValue::from_str(&id).ok())
                            {
                                headers.insert(header::HeaderName::from_static("x-request-id"), id);
                            }
                            Ok(response)
                        }
                    }
                })
                .wrap(cors(&state.settings.cors_allowed_origins))
                .wrap(TracingLogger::<telemetry::RouteSpan>::new())
                .wrap_fn({
                    // Outermost, so the request span and everything under it log to `logs`.
                    let logs = logs.clone();
                    move |req, srv| match &logs {
                        None => Either::Left(srv.call(req)),
                        Some(logs) => {
                            let response =
                                tracing::dispatcher::with_default(logs, || srv.call(req));
                            Either::Right(response.with_subscriber(logs.clone()))
                        }
                    }
                })
                .app_data(state.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(JSON_BODY_LIMIT)
                        .error_handler(error::json_error),
                )
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .service(routes::health::healthz)
                .service(routes::health::readyz)
                .service(web::scope("/api/v1").configure(routes::api_v1))
                .route("/metrics", web::get().to(metrics::metrics))
                .configure(|cfg| {
                    // Off: the docs' paths answer the usual 404 problem.
                    if state.settings.docs_enabled {
                        docs::configure(cfg);
                    }
                })
                .configure(|cfg| spa(cfg, "/plus", &state.settings.plus_dist))
                .configure(|cfg| spa(cfg, "/my-account", &state.settings.my_account_dist))
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(ApiError::NotFound {
                        code: ProblemCode::NotFound,
                        detail: "no such resource",
                    })
                }))
        })
        // On SIGTERM, stop accepting and give in-flight requests (payments)
        // time to finish: longer than the 80 s gateway timeout.
        .shutdown_timeout(90)
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            state: app_state,
        })
    }

    /// The state the handlers share (for background tasks next to the server).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Serves a built single-page app under `prefix` when its folder exists;
/// unknown paths under it get `index.html` (client-side routing).
fn spa(cfg: &mut web::ServiceConfig, prefix: &str, dir: &str) {
    let Ok(index) = actix_files::NamedFile::open(std::path::Path::new(dir).join("index.html"))
    else {
        return;
    };
    let redirect_to = format!("{prefix}/");
    cfg.route(
        prefix,
        web::get().to(move || {
            let location = redirect_to.clone();
            async move {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, location))
                    .finish()
            }
        }),
    );
    // Compressed like nginx serves them in production (the JSON API is not:
    // its answers are small, and compressing them costs more than it saves).
    let assets = std::path::Path::new(dir).join("assets");
    cfg.service(
        web::scope(prefix)
            .wrap(middleware::Compress::default())
            .route(
                "/assets/{file}",
                web::get().to(move |req: HttpRequest, file: web::Path<String>| {
                    let assets = assets.clone();
                    async move { asset(&req, &assets, &file) }
                }),
            )
            .service(
                actix_files::Files::new("", dir)
                    .index_file("index.html")
                    .default_handler(index),
            ),
    );
}

/// A built asset, pre-compressed by the build (`<file>.br`, `<file>.gz`) when
/// the browser takes that encoding; else the file itself (which `Compress`
/// then compresses on the fly, at a lower level).
fn asset(
    req: &HttpRequest,
    assets: &std::path::Path,
    file: &str,
) -> actix_web::Result<HttpResponse> {
    use actix_web::http::header::ContentEncoding;
    if file.starts_with('.') || file.contains(['/', '\\']) {
        return Ok(HttpResponse::NotFound().finish());
    }
    let path = assets.join(file);
    let accepted = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let takes = |encoding: &str| {
        accepted
            .split(',')
            .any(|part| part.split(';').next().is_some_and(|e| e.trim() == encoding))
    };
    for (encoding, suffix, content_encoding) in [
        ("br", "br", ContentEncoding::Brotli),
        ("gzip", "gz", ContentEncoding::Gzip),
    ] {
        let compressed = path.with_file_name(format!("{file}.{suffix}"));
        if takes(encoding) {
            if let Ok(found) = std::fs::File::open(&compressed) {
                let mut response = actix_files::NamedFile::from_file(found, &path)?
                    .set_content_encoding(content_encoding)
                    .into_response(req);
                response.headers_mut().insert(
                    header::VARY,
                    header::HeaderValue::from_static("accept-encoding"),
                );
                return Ok(response);
            }
        }
    }
    Ok(actix_files::NamedFile::open(&path)?.into_response(req))
}

/// Cross-origin access for the separately deployed SPAs (`CORS_ALLOWED_ORIGINS`).
fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static(crate::routes::links::LINK_TOKEN_HEADER),
            header::HeaderName::from_static(crate::routes::receipts::RECEIPT_REFERENCE_HEADER),
        ])
        .max_age(600)
}
