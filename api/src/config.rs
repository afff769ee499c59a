//! Settings, read once at start-up from the environment (and optionally a
//! `KEY=value` file named by `CONFIG_FILE`; the environment wins).

use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::fmt;

/// The JWT secret used when none is configured. Refused in production.
pub const DEV_JWT_SECRET: &str = "dev-only-jwt-secret-do-not-use-in-production";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Which payment gateway charges cards.
#[derive(Clone, Debug)]
pub enum GatewaySettings {
    /// The built-in sandbox (test cards, optional latency for benchmarks).
    Sandbox { latency_ms: u64 },
    /// Stripe PaymentIntents.
    Stripe {
        secret_key: SecretString,
        /// Public; handed to Stripe Elements in the browser.
        publishable_key: Option<String>,
        api_base: String,
        webhook_secret: Option<SecretString>,
    },
}

/// Which SMS provider sends texts.
#[derive(Clone, Debug)]
pub enum SmsSettings {
    /// Prints each message (link included) on one log line.
    Console,
    Twilio {
        account_sid: String,
        auth_token: SecretString,
        /// `TWILIO_FROM` or `TWILIO_MESSAGING_SERVICE_SID`, exactly one.
        sender: crate::sms::twilio::TwilioSenderId,
        api_base: String,
    },
}

/// Longest `COMPANY_NAME`, in GSM-7 septets (characters; the extension
/// table's `^ { } \ [ ~ ] | €` count twice). With `PUBLIC_BASE_URL_MAX_SEPTETS`
/// it keeps the payment link text within two segments (306 septets), whatever
/// the amount and time to live: see the test `the_longest_link_text_fits_two_segments`.
pub const COMPANY_NAME_MAX_SEPTETS: usize = 40;
/// Longest `PUBLIC_BASE_URL`, in GSM-7 septets (payment links are built from it).
pub const PUBLIC_BASE_URL_MAX_SEPTETS: usize = 100;
/// Segments the payment link text may take (each billed as one message).
pub const LINK_SMS_MAX_SEGMENTS: usize = 2;

/// Text that goes into an SMS must be in the GSM 7-bit alphabet (3GPP TS
/// 23.038), or the whole message is sent in UCS-2 at 70 characters a segment
/// (67 when concatenated), about three times the segments.
fn check_sms_text(value: &str, max_septets: usize) -> Result<(), String> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(format!("must not contain control characters such as {c:?}"));
    }
    match crate::domain::gsm7_length(value) {
        None => {
            let outside: String = value
                .chars()
                .filter(|c| crate::domain::sms_text::gsm7_septets(*c).is_none())
                .collect();
            Err(format!(
                "{outside:?} is outside the GSM-7 character set of text messages (it would make every text UCS-2, in three segments instead of two): use plain letters, digits and punctuation"
            ))
        }
        Some(septets) if septets > max_septets => Err(format!(
            "at most {max_septets} characters in a text message (^ {{ }} \\ [ ~ ] | € count twice), got {septets}"
        )),
        Some(_) => Ok(()),
    }
}

/// The logo the secure payment page shows in its header (`COMPANY_LOGO_URL`): an `https://` URL, or a
/// path under My Account (`/my-account/…`, a file served with the SPA). Only a value that parses is held,
/// so the SPAs' Content-Security-Policy can be built from it (`security::spa_csp`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyLogoUrl(String);

/// Where a same-origin logo must live: the SPA that shows it (the pay page is My Account's).
const LOGO_PATH_PREFIX: &str = "/my-account/";

impl CompanyLogoUrl {
    /// Accepts `https://host[:port]/…` (no user or password) or `/my-account/…`; refuses every other
    /// scheme (`http:` would be mixed content, `data:` and `javascript:` have no business in a header),
    /// `..` segments, and characters that would need quoting in HTML or a policy.
    pub fn parse(value: &str) -> Result<Self, String> {
        if value.len() > 2048 {
            return Err("at most 2048 characters".into());
        }
        if value.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, '"' | '\'' | '<' | '>' | '\\' | ';' | ',')
        }) {
            return Err(format!(
                "spaces, quotes, <, >, \\, ; and , are not allowed, got {value:?}"
            ));
        }
        if let Some(path) = value.strip_prefix(LOGO_PATH_PREFIX) {
            if path.is_empty() || path.split(['/', '?', '#']).any(|segment| segment == "..") {
                return Err(format!(
                    "expected a file under {LOGO_PATH_PREFIX}, got {value:?}"
                ));
            }
            return Ok(Self(value.to_owned()));
        }
        let url = reqwest::Url::parse(value).map_err(|_| {
            format!("expected an https:// URL or a path under {LOGO_PATH_PREFIX}, got {value:?}")
        })?;
        if url.scheme() != "https" || url.host_str().is_none() {
            return Err(format!(
                "expected an https:// URL or a path under {LOGO_PATH_PREFIX}, got {value:?}"
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("no user name or password in the URL".into());
        }
        Ok(Self(value.to_owned()))
    }

    /// The logo's URL or path, as configured (checked at start).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The origin a Content-Security-Policy's `img-src` must add for this logo (`https://host[:port]`),
    /// or `None` when the SPA serves it itself (`'self'`).
    pub fn other_origin(&self) -> Option<String> {
        if self.0.starts_with(LOGO_PATH_PREFIX) {
            return None;
        }
        reqwest::Url::parse(&self.0)
            .ok()
            .map(|url| url.origin().ascii_serialization())
    }
}

/// Everything the service can be told; `Debug` never shows a secret.
#[derive(Clone, Debug)]
pub struct Settings {
    pub app_env: AppEnv,
    pub database_url: String,
    pub bind_address: String,
    pub jwt_secret: SecretString,
    pub public_base_url: String,
    pub payment_link_ttl_seconds: i64,
    pub cors_allowed_origins: Vec<String>,
    /// Built SPAs served at `/plus/` and `/my-account/` when the folders exist.
    pub plus_dist: String,
    pub my_account_dist: String,
    pub log_format: LogFormat,
    pub seed_demo_on_empty: bool,
    pub gateway: GatewaySettings,
    pub sms: SmsSettings,
    /// Shown to clients (SMS, expired-link pop-up).
    pub company_name: String,
    /// The pay page's header logo (`COMPANY_LOGO_URL`), when configured.
    pub company_logo_url: Option<CompanyLogoUrl>,
    pub support_phone: String,
    /// Requests per client IP per minute to open or redeem payment links.
    pub link_rate_limit_per_minute: i64,
    /// Most client addresses each instance tracks in memory per kind of
    /// per-address limit (links, receipts): past it, a new address is
    /// counted in the database (`LINK_RATE_LIMIT_ADDRESSES`, default 100,000:
    /// a few MB).
    pub link_rate_limit_addresses: usize,
    /// Payment attempts per link per 10 minutes (each may be declined),
    /// counted before the charge; beyond it the link is locked for the window.
    pub link_decline_limit: i64,
    /// Networks of the reverse proxies in front of the API
    /// (`TRUSTED_PROXY_NETWORKS`): only their `X-Forwarded-For` entries are
    /// believed (see `client_ip`). Empty: the peer address is the client.
    pub trusted_proxy_networks: Vec<ipnet::IpNet>,
    /// Age after which a `pending` payment (its process died mid-charge) is
    /// taken up by the status sync (`services::status_sync::sync_open_payments`);
    /// keep it above the 80 s gateway timeout. `STATUS_SYNC_AFTER_SECONDS`, or
    /// the deprecated `RECONCILE_AFTER_SECONDS` when only that one is set.
    pub status_sync_after_seconds: i64,
    /// Seconds a payment waits in `requires_action` for the payer to
    /// authenticate (3-D Secure) before the status sync cancels it at the
    /// gateway and records it failed (`AUTHENTICATION_TIMEOUT_SECONDS`,
    /// default 900: the payer closed the page).
    pub authentication_timeout_seconds: i64,
    /// Age in seconds after which a payment link a redeem claimed (`paying`)
    /// without writing a payment is made payable again by the status sync.
    pub link_claim_stale_after_seconds: i64,
    /// Age in seconds after which an unfinished `Idempotency-Key` claim (its
    /// process died) may be taken over by a retry; the gateway's own
    /// idempotency key keeps the charge single meanwhile.
    pub idempotency_stale_after_seconds: i64,
    /// Seconds between two runs of the status sync of open payments in `serve`.
    pub status_sync_interval_seconds: i64,
    /// Milliseconds the SMS outbox worker waits for a wake-up before it looks
    /// for due messages (retries) anyway.
    pub outbox_poll_interval_ms: i64,
    /// Milliseconds between two looks of the webhook worker for due
    /// deliveries (`WEBHOOK_POLL_INTERVAL_MS`, default 1000).
    pub webhook_poll_interval_ms: i64,
    /// The first wait before a failed webhook delivery is retried, in
    /// milliseconds, doubled after each failure up to an hour
    /// (`WEBHOOK_RETRY_BASE_MS`, default 5000).
    pub webhook_retry_base_ms: i64,
    /// The jobs `serve` runs on its own (`SCHEDULER_JOBS`).
    pub scheduler_jobs: SchedulerJobs,
    /// Milliseconds between two looks of the scheduler at which jobs are due.
    pub scheduler_poll_interval_ms: i64,
    /// Seconds a job's lease lasts unless its holder renews it (it does,
    /// every third of it, while it works): how long a crashed holder keeps
    /// a job from the other instances.
    pub job_lease_seconds: i64,
    /// The local time (of each location) Auto Pay runs at, daily.
    pub autopay_local_time: chrono::NaiveTime,
    /// Seconds between two purges of what outlived its window.
    pub purge_interval_seconds: i64,
    /// The local time (of each location) the reminders and the Auto Pay
    /// notices go, daily (`NOTICES_LOCAL_TIME`, default 09:00: daytime, so
    /// that no text wakes anyone).
    pub notices_local_time: chrono::NaiveTime,
    /// Days before a vehicle's paid-through date its payment reminder goes
    /// (`REMINDER_DAYS`, default 3).
    pub reminder_days: i64,
    /// Days before an Auto Pay charge its notice goes (`AUTOPAY_NOTICE_DAYS`,
    /// default 3).
    pub autopay_notice_days: i64,
    /// Days before the Auto Pay card expires the reminder to update it goes
    /// (`CARD_EXPIRY_NOTICE_DAYS`, default 30).
    pub card_expiry_notice_days: i64,
    /// Hours an idempotency record is kept (at least 24, as documented to
    /// third parties in docs/api.md): a retry within it replays the answer.
    pub idempotency_retention_hours: i64,
    /// Days a webhook event, its deliveries and their attempts are kept
    /// (`WEBHOOK_RETENTION_DAYS`, default 30, at least 2: beyond the 24 hours
    /// of retries and a replay's 24 more); the purge deletes older ones.
    pub webhook_retention_days: i64,
    /// Seconds between two runs of the link expiry job
    /// (`LINK_EXPIRY_INTERVAL_SECONDS`, default 60): how late at most, plus
    /// the scheduler's look, `link.expired` is announced.
    pub link_expiry_interval_seconds: i64,
    /// Password checks (Argon2, 19 MiB each) one instance runs at once.
    pub login_verifications_at_once: usize,
    /// Sign-ins per client address per minute, any account.
    pub login_attempts_per_ip_per_minute: i64,
    /// Wrong passwords for one account from one address in 15 minutes before
    /// that address is locked out of that account for the rest of the window.
    pub login_failures_before_lockout: i64,
    /// Make a Payment attempts with a new card per client per hour, counted
    /// before the charge (card testing through My Account).
    pub client_new_card_attempts_per_hour: i64,
    /// Cards a client may save per UTC day.
    pub client_card_saves_per_day: i64,
    /// Country calling codes (digits, without `+`) other than US/Canada whose
    /// numbers payment links may be texted to; none by default.
    pub sms_other_country_codes: Vec<String>,
    /// Payment links one staff member may send per hour.
    pub link_sends_per_staff_per_hour: i64,
    /// Payment links one client may send from My Account per UTC day.
    pub link_sends_per_client_per_day: i64,
    /// New links one phone may ask for with "Text me a new link" (an
    /// expired link's renewal) per UTC day.
    pub link_renewals_per_phone_per_day: i64,
    /// Requests one API key may make per minute (docs/api.md, "Integrations").
    pub api_key_requests_per_minute: i64,
    /// Bearer token `/metrics` asks for; required in production, where the
    /// figures (payments and links by status) are not for the public.
    pub metrics_token: Option<SecretString>,
    /// Whether `/docs` (the API reference) and `/openapi.json` are served;
    /// by default in development only.
    pub docs_enabled: bool,
    /// Whether `serve` on PostgreSQL keeps checked sessions and API keys in
    /// memory (`auth::cache`, `AUTH_CACHE_ENABLED`, default true); false
    /// behind a pooler in transaction mode, where `LISTEN` does not work.
    pub auth_cache_enabled: bool,
}

/// The jobs `serve` runs itself (`SCHEDULER_JOBS`, a comma-separated list
/// of `autopay`, `status_sync`, `purge`, `link_expiry`, or `none`; default
/// all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchedulerJobs {
    pub autopay: bool,
    pub status_sync: bool,
    pub purge: bool,
    /// Payment reminders with reply-to-pay (clients not on Auto Pay).
    pub reminders: bool,
    /// The Auto Pay notices sent ahead: a charge to come, a card expiring.
    pub autopay_notices: bool,
    /// Records expired links and sends `link.expired`.
    pub link_expiry: bool,
}

impl SchedulerJobs {
    /// Every job.
    pub const ALL: SchedulerJobs = SchedulerJobs {
        autopay: true,
        status_sync: true,
        purge: true,
        reminders: true,
        autopay_notices: true,
        link_expiry: true,
    };

    fn parse(list: &str) -> Result<SchedulerJobs, String> {
        let mut jobs = SchedulerJobs {
            autopay: false,
            status_sync: false,
            purge: false,
            reminders: false,
            autopay_notices: false,
            link_expiry: false,
        };
        if list.trim() == "none" {
            return Ok(jobs);
        }
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "autopay" => jobs.autopay = true,
                "status_sync" => jobs.status_sync = true,
                "purge" => jobs.purge = true,
                "link_expiry" => jobs.link_expiry = true,
                "reminders" => jobs.reminders = true,
                "autopay_notices" => jobs.autopay_notices = true,
                other => {
                    return Err(format!(
                    "expected autopay, status_sync, purge, reminders, autopay_notices, link_expiry (comma-separated) or none, got {other:?}"
                ))
                }
            }
        }
        Ok(jobs)
    }
}

/// A setting that cannot be used, named by its variable.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("configuration error: {var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

/// A local time of day `HH:MM` from variable `var`, `default_hour`:00 when unset.
fn local_time(
    value: Option<String>,
    var: &'static str,
    default_hour: u32,
) -> Result<chrono::NaiveTime, ConfigError> {
    match value {
        None => Ok(chrono::NaiveTime::from_hms_opt(default_hour, 0, 0).unwrap_or_default()),
        Some(v) => chrono::NaiveTime::parse_from_str(&v, "%H:%M").map_err(|_| {
            invalid(
                var,
                format!("expected a 24-hour local time HH:MM, got {v:?}"),
            )
        }),
    }
}

/// A number of days ahead a notice goes: at most a year.
fn days_setting(days: i64, var: &'static str) -> Result<i64, ConfigError> {
    if days > 366 {
        return Err(invalid(var, format!("at most 366 days, got {days}")));
    }
    Ok(days)
}

fn invalid(var: &'static str, message: impl fmt::Display) -> ConfigError {
    ConfigError {
        var,
        message: message.to_string(),
    }
}

impl Settings {
    /// Reads the process environment (and `CONFIG_FILE` if set).
    pub fn from_env() -> Result<Settings, ConfigError> {
        let mut vars: HashMap<String, String> = HashMap::new();
        if let Ok(path) = std::env::var("CONFIG_FILE") {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| invalid("CONFIG_FILE", format!("cannot read {path}: {e}")))?;
            vars.extend(parse_env_file(&text));
        }
        vars.extend(std::env::vars());
        Settings::from_vars(&vars)
    }

    /// Builds settings from a map of variables; every value is checked here.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Settings, ConfigError> {
        let get = |name: &str| {
            vars.get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let app_env = match get("APP_ENV").as_deref() {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some(other) => {
                return Err(invalid(
                    "APP_ENV",
                    format!("expected development or production, got {other:?}"),
                ))
            }
        };
        let database_url =
            get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/payments.db".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "DATABASE_URL",
                "must start with sqlite: or postgres://",
            ));
        }
        let bind_address = get("BIND_ADDRESS").unwrap_or_else(|| "127.0.0.1:8080".into());
        if bind_address.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid(
                "BIND_ADDRESS",
                format!("expected host:port such as 127.0.0.1:8080, got {bind_address:?}"),
            ));
        }
        let jwt_secret = get("JWT_SECRET").unwrap_or_else(|| DEV_JWT_SECRET.into());
        if jwt_secret.len() < 32 {
            return Err(invalid("JWT_SECRET", "must be at least 32 bytes long"));
        }
        if app_env == AppEnv::Production && jwt_secret == DEV_JWT_SECRET {
            return Err(invalid(
                "JWT_SECRET",
                "the development default is refused when APP_ENV=production",
            ));
        }
        if app_env == AppEnv::Production && looks_guessable(&jwt_secret) {
            return Err(invalid(
                "JWT_SECRET",
                format!("too guessable for APP_ENV=production: use {MIN_DISTINCT_SECRET_CHARACTERS}+ different characters (openssl rand -base64 48)"),
            ));
        }
        // Staging runs production settings with some development parts; each
        // is opted into by name, never implied.
        let allowed = |var: &str| get(var).as_deref() == Some("true");
        let public_base_url = get("PUBLIC_BASE_URL")
            .unwrap_or_else(|| format!("http://{bind_address}"))
            .trim_end_matches('/')
            .to_owned();
        if !(public_base_url.starts_with("http://") || public_base_url.starts_with("https://")) {
            return Err(invalid(
                "PUBLIC_BASE_URL",
                "must start with http:// or https://",
            ));
        }
        check_sms_text(&public_base_url, PUBLIC_BASE_URL_MAX_SEPTETS)
            .map_err(|e| invalid("PUBLIC_BASE_URL", e))?;
        if app_env == AppEnv::Production && !public_base_url.starts_with("https://") {
            return Err(invalid(
                "PUBLIC_BASE_URL",
                "must be https:// when APP_ENV=production",
            ));
        }
        let payment_link_ttl_seconds = match get("PAYMENT_LINK_TTL_SECONDS") {
            None => 600,
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|s| (1..=86_400).contains(s))
                .ok_or_else(|| {
                    invalid(
                        "PAYMENT_LINK_TTL_SECONDS",
                        format!("expected whole seconds between 1 and 86400, got {v:?}"),
                    )
                })?,
        };
        let cors_allowed_origins: Vec<String> = get("CORS_ALLOWED_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        for origin in &cors_allowed_origins {
            check_origin(origin, app_env).map_err(|e| invalid("CORS_ALLOWED_ORIGINS", e))?;
        }
        let log_format = match get("LOG_FORMAT").as_deref() {
            None => {
                if app_env == AppEnv::Production {
                    LogFormat::Json
                } else {
                    LogFormat::Pretty
                }
            }
            Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "LOG_FORMAT",
                    format!("expected pretty or json, got {other:?}"),
                ))
            }
        };
        let seed_demo_on_empty = match get("SEED_DEMO").as_deref() {
            None => database_url.starts_with("sqlite:") && app_env == AppEnv::Development,
            Some("true" | "1") => {
                if app_env == AppEnv::Production && !allowed("ALLOW_DEMO_DATA") {
                    return Err(invalid("SEED_DEMO", "demo data (with its published passwords) is refused when APP_ENV=production (set ALLOW_DEMO_DATA=true for a staging system)"));
                }
                true
            }
            Some("false" | "0") => false,
            Some(other) => {
                return Err(invalid(
                    "SEED_DEMO",
                    format!("expected true or false, got {other:?}"),
                ))
            }
        };
        let gateway = match get("PAYMENT_GATEWAY").as_deref() {
            None | Some("sandbox") => {
                if app_env == AppEnv::Production && !allowed("ALLOW_SANDBOX_GATEWAY") {
                    return Err(invalid("PAYMENT_GATEWAY", "the sandbox gateway is refused when APP_ENV=production (set ALLOW_SANDBOX_GATEWAY=true for a staging system)"));
                }
                let latency_ms = match get("SANDBOX_LATENCY_MS") {
                    None => 0,
                    Some(v) => v
                        .parse::<u64>()
                        .ok()
                        .filter(|ms| *ms <= 60_000)
                        .ok_or_else(|| {
                            invalid(
                                "SANDBOX_LATENCY_MS",
                                format!("expected milliseconds between 0 and 60000, got {v:?}"),
                            )
                        })?,
                };
                GatewaySettings::Sandbox { latency_ms }
            }
            Some("stripe") => GatewaySettings::Stripe {
                secret_key: SecretString::from(get("STRIPE_SECRET_KEY").ok_or_else(|| {
                    invalid("STRIPE_SECRET_KEY", "required when PAYMENT_GATEWAY=stripe")
                })?),
                // Without it the SPAs cannot load Stripe Elements, and card
                // numbers must never be typed anywhere else.
                publishable_key: match get("STRIPE_PUBLISHABLE_KEY") {
                    Some(key) if key.starts_with("pk_") => Some(key),
                    Some(_) => {
                        return Err(invalid(
                            "STRIPE_PUBLISHABLE_KEY",
                            "a publishable key starts with pk_",
                        ))
                    }
                    None if app_env == AppEnv::Production => {
                        return Err(invalid(
                            "STRIPE_PUBLISHABLE_KEY",
                            "required when APP_ENV=production and PAYMENT_GATEWAY=stripe",
                        ))
                    }
                    None => None,
                },
                api_base: get("STRIPE_API_BASE")
                    .unwrap_or_else(|| "https://api.stripe.com".into())
                    .trim_end_matches('/')
                    .to_owned(),
                // Without it Stripe's events (a late success, a refund or a
                // dispute made in its Dashboard) never reach us.
                webhook_secret: match get("STRIPE_WEBHOOK_SECRET") {
                    Some(secret) if secret.starts_with("whsec_") => Some(SecretString::from(secret)),
                    Some(_) => {
                        return Err(invalid(
                            "STRIPE_WEBHOOK_SECRET",
                            "a webhook signing secret starts with whsec_",
                        ))
                    }
                    None if app_env == AppEnv::Production => {
                        return Err(invalid(
                            "STRIPE_WEBHOOK_SECRET",
                            "required when APP_ENV=production and PAYMENT_GATEWAY=stripe (the endpoint's signing secret, whsec_…)",
                        ))
                    }
                    None => None,
                },
            },
            Some(other) => {
                return Err(invalid(
                    "PAYMENT_GATEWAY",
                    format!("expected sandbox or stripe, got {other:?}"),
                ))
            }
        };
        let sms = match get("SMS_SENDER").as_deref() {
            None | Some("console") => {
                if app_env == AppEnv::Production && !allowed("ALLOW_CONSOLE_SMS") {
                    return Err(invalid("SMS_SENDER", "the console sender (every link token and phone number in the logs) is refused when APP_ENV=production (set ALLOW_CONSOLE_SMS=true for a staging system)"));
                }
                SmsSettings::Console
            }
            Some("twilio") => {
                let required = |var: &'static str| {
                    get(var).ok_or_else(|| invalid(var, "required when SMS_SENDER=twilio"))
                };
                use crate::sms::twilio::{is_sid, TwilioSenderId};
                let account_sid = required("TWILIO_ACCOUNT_SID")?;
                if !is_sid(&account_sid, "AC") {
                    return Err(invalid(
                        "TWILIO_ACCOUNT_SID",
                        "expected an account SID: AC and 32 hexadecimal digits",
                    ));
                }
                let sender = match (get("TWILIO_MESSAGING_SERVICE_SID"), get("TWILIO_FROM")) {
                    (Some(sid), None) => TwilioSenderId::messaging_service(&sid)
                        .map_err(|e| invalid("TWILIO_MESSAGING_SERVICE_SID", e))?,
                    (None, Some(from)) => TwilioSenderId::from_number(&from)
                        .map_err(|e| invalid("TWILIO_FROM", e))?,
                    (Some(_), Some(_)) => return Err(invalid(
                        "TWILIO_FROM",
                        "set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM, not both (the Messaging Service picks the number from its sender pool)",
                    )),
                    (None, None) => return Err(invalid(
                        "TWILIO_MESSAGING_SERVICE_SID",
                        "TWILIO_MESSAGING_SERVICE_SID (MG…) or TWILIO_FROM (+1…) is required when SMS_SENDER=twilio",
                    )),
                };
                SmsSettings::Twilio {
                    account_sid,
                    auth_token: SecretString::from(required("TWILIO_AUTH_TOKEN")?),
                    sender,
                    api_base: get("TWILIO_API_BASE")
                        .unwrap_or_else(|| "https://api.twilio.com".into())
                        .trim_end_matches('/')
                        .to_owned(),
                }
            }
            Some(other) => {
                return Err(invalid(
                    "SMS_SENDER",
                    format!("expected console or twilio, got {other:?}"),
                ))
            }
        };
        let positive = |var: &'static str, default: i64| -> Result<i64, ConfigError> {
            match get(var) {
                None => Ok(default),
                Some(v) => v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .ok_or_else(|| {
                        invalid(
                            var,
                            format!("expected a whole number from 1 to 1000000, got {v:?}"),
                        )
                    }),
            }
        };
        let metrics_token = get("METRICS_TOKEN");
        match &metrics_token {
            Some(token) if token.len() < 16 => {
                return Err(invalid(
                    "METRICS_TOKEN",
                    "must be at least 16 characters long",
                ))
            }
            None if app_env == AppEnv::Production => {
                return Err(invalid(
                    "METRICS_TOKEN",
                    "required when APP_ENV=production (Prometheus sends it as a bearer token)",
                ))
            }
            _ => {}
        }
        let docs_enabled = match get("DOCS_ENABLED").as_deref() {
            None => app_env == AppEnv::Development,
            Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => {
                return Err(invalid(
                    "DOCS_ENABLED",
                    format!("expected true or false, got {other:?}"),
                ))
            }
        };
        let auth_cache_enabled = match get("AUTH_CACHE_ENABLED").as_deref() {
            None | Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => {
                return Err(invalid(
                    "AUTH_CACHE_ENABLED",
                    format!("expected true or false, got {other:?}"),
                ))
            }
        };
        let company_name = get("COMPANY_NAME").unwrap_or_else(|| "Monitoring Services".into());
        check_sms_text(&company_name, COMPANY_NAME_MAX_SEPTETS)
            .map_err(|e| invalid("COMPANY_NAME", e))?;
        Ok(Settings {
            metrics_token: metrics_token.map(SecretString::from),
            docs_enabled,
            auth_cache_enabled,
            sms,
            company_name,
            company_logo_url: get("COMPANY_LOGO_URL")
                .map(|v| CompanyLogoUrl::parse(&v))
                .transpose()
                .map_err(|e| invalid("COMPANY_LOGO_URL", e))?,
            support_phone: get("SUPPORT_PHONE").unwrap_or_else(|| "(800) 555-0100".into()),
            link_rate_limit_per_minute: positive("LINK_RATE_LIMIT_PER_MINUTE", 60)?,
            link_rate_limit_addresses: usize::try_from(positive(
                "LINK_RATE_LIMIT_ADDRESSES",
                100_000,
            )?)
            .unwrap_or(usize::MAX),
            link_decline_limit: positive("LINK_DECLINE_LIMIT", 5)?,
            status_sync_after_seconds: match get("STATUS_SYNC_AFTER_SECONDS") {
                Some(_) => positive("STATUS_SYNC_AFTER_SECONDS", 120)?,
                // Deprecated name, still read so that deployments do not break.
                None => positive("RECONCILE_AFTER_SECONDS", 120)?,
            },
            authentication_timeout_seconds: positive("AUTHENTICATION_TIMEOUT_SECONDS", 900)?,
            link_claim_stale_after_seconds: positive("LINK_CLAIM_STALE_AFTER_SECONDS", 120)?,
            // Above the 80 s gateway timeout: a request still waiting for
            // the gateway is never taken over by a retry.
            idempotency_stale_after_seconds: positive("IDEMPOTENCY_STALE_AFTER_SECONDS", 120)?,
            status_sync_interval_seconds: positive("STATUS_SYNC_INTERVAL_SECONDS", 30)?,
            outbox_poll_interval_ms: positive("OUTBOX_POLL_INTERVAL_MS", 1000)?,
            webhook_poll_interval_ms: positive("WEBHOOK_POLL_INTERVAL_MS", 1000)?,
            webhook_retry_base_ms: positive("WEBHOOK_RETRY_BASE_MS", 5000)?,
            scheduler_jobs: match get("SCHEDULER_JOBS") {
                None => SchedulerJobs::ALL,
                Some(v) => SchedulerJobs::parse(&v).map_err(|e| invalid("SCHEDULER_JOBS", e))?,
            },
            scheduler_poll_interval_ms: positive("SCHEDULER_POLL_INTERVAL_MS", 5000)?,
            job_lease_seconds: positive("JOB_LEASE_SECONDS", 300)?,
            autopay_local_time: match get("AUTOPAY_LOCAL_TIME") {
                None => chrono::NaiveTime::from_hms_opt(6, 0, 0).unwrap_or_default(),
                Some(v) => chrono::NaiveTime::parse_from_str(&v, "%H:%M").map_err(|_| {
                    invalid(
                        "AUTOPAY_LOCAL_TIME",
                        format!("expected a 24-hour local time HH:MM, got {v:?}"),
                    )
                })?,
            },
            purge_interval_seconds: positive("PURGE_INTERVAL_SECONDS", 3600)?,
            notices_local_time: local_time(get("NOTICES_LOCAL_TIME"), "NOTICES_LOCAL_TIME", 9)?,
            reminder_days: days_setting(positive("REMINDER_DAYS", 3)?, "REMINDER_DAYS")?,
            autopay_notice_days: days_setting(
                positive("AUTOPAY_NOTICE_DAYS", 3)?,
                "AUTOPAY_NOTICE_DAYS",
            )?,
            card_expiry_notice_days: days_setting(
                positive("CARD_EXPIRY_NOTICE_DAYS", 30)?,
                "CARD_EXPIRY_NOTICE_DAYS",
            )?,
            webhook_retention_days: match positive("WEBHOOK_RETENTION_DAYS", 30)? {
                days if days >= 2 => days,
                _ => {
                    return Err(invalid(
                        "WEBHOOK_RETENTION_DAYS",
                        "at least 2: an event is retried for 24 hours, and a replay for 24 more",
                    ))
                }
            },
            link_expiry_interval_seconds: positive("LINK_EXPIRY_INTERVAL_SECONDS", 60)?,
            idempotency_retention_hours: match positive("IDEMPOTENCY_RETENTION_HOURS", 24)? {
                hours if hours >= 24 => hours,
                _ => {
                    return Err(invalid(
                        "IDEMPOTENCY_RETENTION_HOURS",
                        "at least 24: third parties are told a key is kept 24 hours",
                    ))
                }
            },
            login_verifications_at_once: usize::try_from(positive(
                "LOGIN_VERIFICATIONS_AT_ONCE",
                2,
            )?)
            .unwrap_or(2),
            login_attempts_per_ip_per_minute: positive("LOGIN_ATTEMPTS_PER_IP_PER_MINUTE", 30)?,
            login_failures_before_lockout: positive("LOGIN_FAILURES_BEFORE_LOCKOUT", 5)?,
            client_new_card_attempts_per_hour: positive("CLIENT_NEW_CARD_ATTEMPTS_PER_HOUR", 10)?,
            client_card_saves_per_day: positive("CLIENT_CARD_SAVES_PER_DAY", 5)?,
            link_sends_per_staff_per_hour: positive("LINK_SENDS_PER_STAFF_PER_HOUR", 30)?,
            link_sends_per_client_per_day: positive("LINK_SENDS_PER_CLIENT_PER_DAY", 5)?,
            link_renewals_per_phone_per_day: positive("LINK_RENEWALS_PER_PHONE_PER_DAY", 3)?,
            api_key_requests_per_minute: positive("API_KEY_REQUESTS_PER_MINUTE", 120)?,
            sms_other_country_codes: match get("SMS_OTHER_COUNTRY_CODES") {
                None => Vec::new(),
                Some(v) => {
                    let codes: Vec<String> = v
                        .split(',')
                        .map(|c| c.trim().trim_start_matches('+').to_owned())
                        .collect();
                    if codes.iter().any(|c| {
                        c.is_empty()
                            || c.len() > 3
                            || !c.bytes().all(|b| b.is_ascii_digit())
                            || c.starts_with(['0', '1'])
                    }) {
                        return Err(invalid("SMS_OTHER_COUNTRY_CODES", format!("expected calling codes such as 52,44 (not 1, which is always allowed), got {v:?}")));
                    }
                    codes
                }
            },
            trusted_proxy_networks: match (get("TRUSTED_PROXY_HOPS"), get("TRUSTED_PROXY_NETWORKS")) {
                (Some(_), _) => {
                    return Err(invalid(
                        "TRUSTED_PROXY_HOPS",
                        "was replaced by TRUSTED_PROXY_NETWORKS (the proxies' networks, e.g. 10.0.0.0/8): a hop count trusts whatever a caller forwards",
                    ))
                }
                (None, None) => vec![],
                (None, Some(v)) => crate::client_ip::parse_networks(&v)
                    .map_err(|e| invalid("TRUSTED_PROXY_NETWORKS", e))?,
            },
            app_env,
            database_url,
            bind_address,
            jwt_secret: SecretString::from(jwt_secret),
            public_base_url,
            payment_link_ttl_seconds,
            cors_allowed_origins,
            plus_dist: get("PLUS_DIST").unwrap_or_else(|| "frontend-plus/dist".into()),
            my_account_dist: get("MY_ACCOUNT_DIST")
                .unwrap_or_else(|| "frontend-myaccount/dist".into()),
            log_format,
            seed_demo_on_empty,
            gateway,
        })
    }

    /// Where the SMS provider reports delivery (Twilio only).
    pub fn sms_status_callback_url(&self) -> Option<String> {
        match self.sms {
            SmsSettings::Console => None,
            SmsSettings::Twilio { .. } => Some(format!(
                "{}/api/v1/webhooks/twilio/status",
                self.public_base_url
            )),
        }
    }

    /// The URL a payment link's token is appended to (after `#`, so it never
    /// reaches a server log or a Referer header).
    pub fn payment_link_base(&self) -> String {
        format!("{}/my-account/pay#", self.public_base_url)
    }

    pub fn uses_dev_jwt_secret(&self) -> bool {
        self.jwt_secret.expose_secret() == DEV_JWT_SECRET
    }
}

/// Fewest different characters a production `JWT_SECRET` must have (36 × `a`
/// is 36 bytes long and guessable; 48 random bytes in base64 have ~40).
pub const MIN_DISTINCT_SECRET_CHARACTERS: usize = 12;

fn looks_guessable(secret: &str) -> bool {
    let distinct: std::collections::BTreeSet<char> = secret.chars().collect();
    distinct.len() < MIN_DISTINCT_SECRET_CHARACTERS
}

/// A CORS origin is `scheme://host[:port]`, nothing more (no `*`, no `null`,
/// no path); production takes `https://` only (the SPAs' origins).
fn check_origin(origin: &str, app_env: AppEnv) -> Result<(), String> {
    let host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| format!("{origin:?} is not an http(s) origin"))?;
    let well_formed = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !well_formed {
        return Err(format!("{origin:?} is not scheme://host[:port]"));
    }
    if app_env == AppEnv::Production && !origin.starts_with("https://") {
        return Err(format!(
            "{origin:?}: only https:// origins when APP_ENV=production"
        ));
    }
    Ok(())
}

/// `KEY=value` lines; `#` starts a comment; optional quotes around the value.
fn parse_env_file(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.lines().filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let (key, value) = line.split_once('=')?;
        let value = value.trim().trim_matches('"').trim_matches('\'');
        Some((key.trim().to_owned(), value.to_owned()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_vars(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn defaults_run_the_embedded_demo() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.database_url, "sqlite://data/payments.db");
        assert_eq!(s.bind_address, "127.0.0.1:8080");
        assert_eq!(s.payment_link_ttl_seconds, 600);
        assert_eq!(s.public_base_url, "http://127.0.0.1:8080");
        assert!(s.uses_dev_jwt_secret());
        assert!(s.seed_demo_on_empty);
        assert!(s.docs_enabled);
    }

    #[test]
    fn the_status_sync_age_keeps_accepting_its_deprecated_name() {
        assert_eq!(settings(&[]).unwrap().status_sync_after_seconds, 120);
        let old = settings(&[("RECONCILE_AFTER_SECONDS", "90")]).unwrap();
        assert_eq!(old.status_sync_after_seconds, 90);
        let both = settings(&[
            ("RECONCILE_AFTER_SECONDS", "90"),
            ("STATUS_SYNC_AFTER_SECONDS", "150"),
        ])
        .unwrap();
        assert_eq!(both.status_sync_after_seconds, 150);
        let bad = settings(&[("STATUS_SYNC_AFTER_SECONDS", "0")]).unwrap_err();
        assert_eq!(bad.var, "STATUS_SYNC_AFTER_SECONDS");
    }

    #[test]
    fn production_refuses_the_development_jwt_secret() {
        let err = settings(&[
            ("APP_ENV", "production"),
            ("PUBLIC_BASE_URL", "https://pay.example.com"),
        ])
        .unwrap_err();
        assert_eq!(err.var, "JWT_SECRET");
    }

    #[test]
    fn production_refuses_the_sandbox_gateway_unless_allowed() {
        let base = [
            ("APP_ENV", "production"),
            ("PUBLIC_BASE_URL", "https://pay.example.com"),
            ("JWT_SECRET", "a-production-secret-of-enough-length!"),
            ("METRICS_TOKEN", "a-scraper-token-of-enough-length"),
            ("ALLOW_CONSOLE_SMS", "true"),
        ];
        assert_eq!(settings(&base).unwrap_err().var, "PAYMENT_GATEWAY");
        let mut allowed = base.to_vec();
        allowed.push(("ALLOW_SANDBOX_GATEWAY", "true"));
        assert!(settings(&allowed).is_ok());
    }

    #[test]
    fn production_keeps_metrics_behind_a_token() {
        let base = [
            ("APP_ENV", "production"),
            ("PUBLIC_BASE_URL", "https://pay.example.com"),
            ("JWT_SECRET", "a-production-secret-of-enough-length!"),
            ("ALLOW_SANDBOX_GATEWAY", "true"),
            ("ALLOW_CONSOLE_SMS", "true"),
        ];
        assert_eq!(settings(&base).unwrap_err().var, "METRICS_TOKEN");
        let mut with_token = base.to_vec();
        with_token.push(("METRICS_TOKEN", "a-scraper-token-of-enough-length"));
        assert!(settings(&with_token).unwrap().metrics_token.is_some());
        assert!(settings(&[]).unwrap().metrics_token.is_none());
    }

    /// A complete production configuration: Stripe, Twilio, strong secrets.
    const PRODUCTION: [(&str, &str); 11] = [
        ("APP_ENV", "production"),
        ("PUBLIC_BASE_URL", "https://pay.example.com"),
        ("JWT_SECRET", "Zk3q9Vb1-xR7tLmN2pQw8sYe4uHc6jGa0dFi5oK"),
        ("METRICS_TOKEN", "a-scraper-token-of-enough-length"),
        ("PAYMENT_GATEWAY", "stripe"),
        ("STRIPE_SECRET_KEY", "sk_live_x"),
        ("STRIPE_PUBLISHABLE_KEY", "pk_live_x"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
        ("SMS_SENDER", "twilio"),
        ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"),
        ("TWILIO_AUTH_TOKEN", "token"),
    ];

    /// `PRODUCTION` with `changes` applied (an empty value removes a variable).
    fn production(changes: &[(&'static str, &'static str)]) -> Result<Settings, ConfigError> {
        let mut vars: HashMap<&str, &str> = PRODUCTION.into_iter().collect();
        vars.insert("TWILIO_FROM", "+15125550100");
        vars.extend(changes.iter().copied());
        let pairs: Vec<(&str, &str)> = vars.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        settings(&pairs)
    }

    #[test]
    fn production_refuses_each_development_shortcut_unless_opted_into() {
        assert!(production(&[]).is_ok());
        for (shortcut, refused, opt_in) in [
            (
                ("SMS_SENDER", "console"),
                "SMS_SENDER",
                Some("ALLOW_CONSOLE_SMS"),
            ),
            (("SEED_DEMO", "true"), "SEED_DEMO", Some("ALLOW_DEMO_DATA")),
            (("JWT_SECRET", &*"a".repeat(36).leak()), "JWT_SECRET", None),
            (
                ("STRIPE_PUBLISHABLE_KEY", ""),
                "STRIPE_PUBLISHABLE_KEY",
                None,
            ),
            (("STRIPE_WEBHOOK_SECRET", ""), "STRIPE_WEBHOOK_SECRET", None),
            (
                ("STRIPE_WEBHOOK_SECRET", "not-a-secret"),
                "STRIPE_WEBHOOK_SECRET",
                None,
            ),
            (
                ("CORS_ALLOWED_ORIGINS", "http://pay.example.com"),
                "CORS_ALLOWED_ORIGINS",
                None,
            ),
        ] {
            assert_eq!(
                production(&[shortcut]).unwrap_err().var,
                refused,
                "{shortcut:?}"
            );
            if let Some(opt_in) = opt_in {
                assert!(
                    production(&[shortcut, (opt_in, "true")]).is_ok(),
                    "{opt_in}"
                );
            }
        }
        assert!(production(&[(
            "CORS_ALLOWED_ORIGINS",
            "https://plus.example.com, https://pay.example.com"
        )])
        .is_ok());
    }

    #[test]
    fn the_docs_are_served_in_production_only_when_enabled() {
        assert!(!production(&[]).unwrap().docs_enabled);
        assert!(
            production(&[("DOCS_ENABLED", "true")])
                .unwrap()
                .docs_enabled
        );
        assert!(settings(&[]).unwrap().docs_enabled);
        assert!(!settings(&[("DOCS_ENABLED", "false")]).unwrap().docs_enabled);
        assert!(settings(&[]).unwrap().auth_cache_enabled);
        assert!(
            !settings(&[("AUTH_CACHE_ENABLED", "false")])
                .unwrap()
                .auth_cache_enabled
        );
        assert!(settings(&[("AUTH_CACHE_ENABLED", "off")]).is_err());
    }

    #[test]
    fn cors_origins_are_scheme_host_and_port_only() {
        for bad in [
            "*",
            "null",
            "plus.example.com",
            "https://",
            "https://x.example/path",
            "https://*.example.com",
        ] {
            let err = settings(&[("CORS_ALLOWED_ORIGINS", bad)]).unwrap_err();
            assert_eq!(err.var, "CORS_ALLOWED_ORIGINS", "{bad}");
        }
        let ok = settings(&[(
            "CORS_ALLOWED_ORIGINS",
            "http://localhost:5173,https://plus.example.com/",
        )])
        .unwrap();
        assert_eq!(
            ok.cors_allowed_origins,
            ["http://localhost:5173", "https://plus.example.com"]
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("PAYMENT_LINK_TTL_SECONDS", "ten"),
            ("PAYMENT_LINK_TTL_SECONDS", "0"),
            ("BIND_ADDRESS", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("JWT_SECRET", "short"),
            ("APP_ENV", "staging"),
            ("PAYMENT_GATEWAY", "paypal"),
            ("SANDBOX_LATENCY_MS", "-1"),
            ("SMS_SENDER", "pigeon"),
            ("LINK_RATE_LIMIT_PER_MINUTE", "0"),
            ("METRICS_TOKEN", "short"),
            ("DOCS_ENABLED", "yes"),
        ] {
            assert_eq!(settings(&[(var, value)]).unwrap_err().var, var);
        }
    }

    #[test]
    fn stripe_and_twilio_need_their_credentials() {
        assert_eq!(
            settings(&[("PAYMENT_GATEWAY", "stripe")]).unwrap_err().var,
            "STRIPE_SECRET_KEY"
        );
    }

    const SERVICE_SID: &str = "MG0123456789abcdef0123456789abcdef";

    #[test]
    fn twilio_sends_from_a_number_or_a_messaging_service_never_both_or_neither() {
        use crate::sms::twilio::TwilioSenderId;
        let sender = |s: Settings| match s.sms {
            SmsSettings::Twilio { sender, .. } => sender,
            SmsSettings::Console => panic!("console"),
        };
        assert_eq!(
            sender(production(&[]).unwrap()),
            TwilioSenderId::From("+15125550100".into())
        );
        assert_eq!(
            sender(
                production(&[
                    ("TWILIO_FROM", ""),
                    ("TWILIO_MESSAGING_SERVICE_SID", SERVICE_SID)
                ])
                .unwrap()
            ),
            TwilioSenderId::MessagingService(SERVICE_SID.into())
        );
        let both = production(&[("TWILIO_MESSAGING_SERVICE_SID", SERVICE_SID)]).unwrap_err();
        assert_eq!(both.var, "TWILIO_FROM");
        assert!(both.message.contains("not both"), "{both}");
        let neither = production(&[("TWILIO_FROM", "")]).unwrap_err();
        assert_eq!(neither.var, "TWILIO_MESSAGING_SERVICE_SID");
        assert!(neither.message.contains("TWILIO_FROM"), "{neither}");
    }

    #[test]
    fn twilio_settings_are_refused_in_the_wrong_format_with_one_line() {
        for (change, var) in [
            (
                [
                    ("TWILIO_FROM", ""),
                    ("TWILIO_MESSAGING_SERVICE_SID", "MG123"),
                ],
                "TWILIO_MESSAGING_SERVICE_SID",
            ),
            (
                [
                    ("TWILIO_FROM", ""),
                    (
                        "TWILIO_MESSAGING_SERVICE_SID",
                        "PN0123456789abcdef0123456789abcdef",
                    ),
                ],
                "TWILIO_MESSAGING_SERVICE_SID",
            ),
            (
                [("TWILIO_FROM", "5125550100"), ("SEED_DEMO", "")],
                "TWILIO_FROM",
            ),
            (
                [("TWILIO_FROM", "+1 (512) 555-0100"), ("SEED_DEMO", "")],
                "TWILIO_FROM",
            ),
            (
                [("TWILIO_ACCOUNT_SID", "AC1"), ("SEED_DEMO", "")],
                "TWILIO_ACCOUNT_SID",
            ),
        ] {
            let err = production(&change).unwrap_err();
            assert_eq!(err.var, var, "{change:?}");
            assert!(!err.to_string().contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn a_company_logo_is_an_https_url_or_a_file_of_my_account() {
        assert_eq!(settings(&[]).unwrap().company_logo_url, None);
        let cdn = settings(&[(
            "COMPANY_LOGO_URL",
            "https://cdn.example.com:8443/brand/logo.svg",
        )])
        .unwrap()
        .company_logo_url
        .unwrap();
        assert_eq!(cdn.as_str(), "https://cdn.example.com:8443/brand/logo.svg");
        assert_eq!(
            cdn.other_origin().as_deref(),
            Some("https://cdn.example.com:8443")
        );
        let own = settings(&[("COMPANY_LOGO_URL", "/my-account/logo.svg")])
            .unwrap()
            .company_logo_url
            .unwrap();
        assert_eq!(own.other_origin(), None);
        for bad in [
            "http://cdn.example.com/logo.png",
            "data:image/png;base64,AAAA",
            "javascript:alert(1)",
            "//cdn.example.com/logo.png",
            "/plus/logo.png",
            "/my-account/",
            "/my-account/../api/v1/me",
            "logo.png",
            "https://user:pw@cdn.example.com/logo.png",
            "https://cdn.example.com/logo.png; script-src *",
            "https://cdn.example.com/a\"b.png",
        ] {
            let err = settings(&[("COMPANY_LOGO_URL", bad)]).unwrap_err();
            assert_eq!(err.var, "COMPANY_LOGO_URL", "{bad}");
        }
    }

    #[test]
    fn the_company_name_must_be_gsm7_and_short_enough_for_the_link_text() {
        for bad in [
            "Señor’s Monitoring",
            "Monitoring 😀",
            "Tab\tCo",
            &*"M".repeat(41).leak(),
        ] {
            let err = settings(&[("COMPANY_NAME", bad)]).unwrap_err();
            assert_eq!(err.var, "COMPANY_NAME", "{bad}");
            assert!(!err.message.contains('\n'), "one line: {err}");
        }
        let err = settings(&[("COMPANY_NAME", "Señor’s Monitoring")]).unwrap_err();
        assert!(
            err.message.contains("GSM-7") && err.message.contains('’'),
            "{err}"
        );
        // Twenty extension characters are 40 septets: the limit exactly.
        for good in [
            "Ñoño Monitoring [TX]",
            &*"€".repeat(20).leak(),
            &*"M".repeat(40).leak(),
        ] {
            assert_eq!(
                settings(&[("COMPANY_NAME", good)]).unwrap().company_name,
                good
            );
        }
        assert_eq!(
            settings(&[("COMPANY_NAME", &"€".repeat(21))])
                .unwrap_err()
                .var,
            "COMPANY_NAME"
        );
    }

    #[test]
    fn the_public_base_url_must_fit_a_text_message() {
        let longest = format!("https://{}", "p".repeat(PUBLIC_BASE_URL_MAX_SEPTETS - 8));
        assert!(settings(&[("PUBLIC_BASE_URL", &longest)]).is_ok());
        for bad in [
            format!("{longest}x"),
            "https://pay.exámple".to_owned(),
            "https://pay.example/`".to_owned(),
        ] {
            assert_eq!(
                settings(&[("PUBLIC_BASE_URL", &bad)]).unwrap_err().var,
                "PUBLIC_BASE_URL",
                "{bad}"
            );
        }
    }

    /// Issue 15, item 11: the longest link text there can be — the longest
    /// company name (all two-septet characters, so escape sequences meet the
    /// segment boundary), the largest amount a link can carry, the longest
    /// base URL, a real token and the longest time-to-live wording — is
    /// GSM-7 in at most two segments.
    #[test]
    fn the_longest_link_text_fits_two_segments() {
        use crate::domain::{sms_body, sms_length, Cents, Language, LinkToken, SmsEncoding};
        let base = format!("https://{}", "p".repeat(PUBLIC_BASE_URL_MAX_SEPTETS - 8));
        for company in [
            "€".repeat(20),
            "M".repeat(40),
            format!("M{}", "€".repeat(19)),
        ] {
            let s = settings(&[
                ("COMPANY_NAME", &company),
                ("PUBLIC_BASE_URL", &base),
                ("PAYMENT_LINK_TTL_SECONDS", "86400"),
            ])
            .unwrap();
            let url = format!(
                "{}{}",
                s.payment_link_base(),
                LinkToken::generate().expose()
            );
            for language in Language::ALL {
                let body = sms_body(
                    language,
                    &s.company_name,
                    Cents(i64::MAX),
                    &url,
                    s.payment_link_ttl_seconds,
                );
                assert!(body.contains("$92,233,720,368,547,758.07") && body.contains("1440 minut"));
                let length = sms_length(&body);
                assert_eq!(length.encoding, SmsEncoding::Gsm7, "{body}");
                assert!(
                    length.segments <= LINK_SMS_MAX_SEGMENTS,
                    "{length:?}: {body}"
                );
            }
        }
        // And the usual text is what the issue measured: about 174 characters.
        let usual = settings(&[("PUBLIC_BASE_URL", "https://pay.example.com")]).unwrap();
        let url = format!(
            "{}{}",
            usual.payment_link_base(),
            LinkToken::generate().expose()
        );
        let body = sms_body(Language::En, &usual.company_name, Cents(17_649), &url, 600);
        assert_eq!(sms_length(&body).segments, 2, "{body}");
    }

    #[test]
    fn debug_output_redacts_the_jwt_secret() {
        let s = settings(&[("JWT_SECRET", "a-very-secret-value-that-is-long-enough")]).unwrap();
        assert!(!format!("{s:?}").contains("a-very-secret-value"));
    }

    #[test]
    fn env_files_allow_comments_and_quotes() {
        let vars: Vec<_> = parse_env_file("# c\nA=1\n B = \"two\" \n\nbad line\n").collect();
        assert_eq!(
            vars,
            vec![("A".into(), "1".into()), ("B".into(), "two".into())]
        );
    }
}
