use anyhow::Context;
use clap::{Parser, Subcommand};
use payments_api::app::{open_store, Adapters, Application};
use payments_api::clock::Clock;
use payments_api::config::{AppEnv, Settings};
use payments_api::seed::{ADMIN_LOGIN, AGENT_LOGIN, CLIENT_LOGIN, SUPERVISOR_LOGIN};
use payments_api::state::AppState;
use payments_api::{autopay, openapi, payments, seed, sms, store, telemetry};
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "payments-api",
    about = "Secure payments API for PLUS Web and My Account"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Insert data into the database.
    Seed {
        /// The demo locations, clients and logins listed in the README.
        #[arg(long, required = true)]
        demo: bool,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Resolve payments whose outcome is unknown by asking the gateway.
    Reconcile,
    /// Auto Pay.
    Autopay {
        #[command(subcommand)]
        command: AutopayCommand,
    },
}

#[derive(Subcommand)]
enum AutopayCommand {
    /// Charge every enrolled client whose next payment is due (safe to repeat).
    Run,
}

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", openapi::spec_json());
        return Ok(());
    }
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_format);
    let clock = Arc::new(Clock::default());
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings, clock).await,
        Command::Migrate => {
            store::connect(&settings.database_url)
                .await?
                .migrate()
                .await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed { .. } => {
            let store = store::connect(&settings.database_url).await?;
            store.migrate().await?;
            anyhow::ensure!(
                store.is_empty().await?,
                "the database already has data; demo data goes into an empty database only"
            );
            store.seed(&seed::demo_data(clock.now())).await?;
            tracing::info!("demo data inserted");
            Ok(())
        }
        Command::Reconcile => {
            let state = offline_state(settings, clock).await?;
            let settled = payments::reconcile(&state).await?;
            tracing::info!(settled, "reconciliation finished");
            Ok(())
        }
        Command::Autopay {
            command: AutopayCommand::Run,
        } => {
            let state = offline_state(settings, clock).await?;
            let report = autopay::run(&state).await?;
            tracing::info!(?report, "Auto Pay run finished");
            Ok(())
        }
        Command::Openapi => Ok(()),
    }
}

/// The app's state without a server, for one-off commands.
async fn offline_state(settings: Settings, clock: Arc<Clock>) -> anyhow::Result<AppState> {
    let store = store::connect(&settings.database_url).await?;
    store.migrate().await?;
    let adapters = Adapters::from_settings(&settings);
    Ok(AppState::new(settings, store, clock, adapters))
}

/// Every `STATUS_SYNC_INTERVAL_SECONDS`: settle payments the gateway left
/// unknown, and purge rate-limit buckets whose window ended and expired
/// sessions.
fn spawn_reconciler(state: actix_web::web::Data<AppState>) {
    let every = std::time::Duration::from_secs(
        u64::try_from(state.settings.status_sync_interval_seconds).unwrap_or(30),
    );
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        loop {
            interval.tick().await;
            if let Err(error) = payments::reconcile(&state).await {
                tracing::warn!(%error, "reconciliation failed; retrying later");
            }
            if let Err(error) = payments_api::rate_limit::purge(&state).await {
                tracing::warn!(%error, "purging rate-limit buckets failed; retrying later");
            }
            if let Err(error) = state.store.purge_sessions(state.clock.now()).await {
                tracing::warn!(%error, "purging expired sessions failed; retrying later");
            }
        }
    });
}

async fn serve(settings: Settings, clock: Arc<Clock>) -> anyhow::Result<()> {
    if settings.uses_dev_jwt_secret() && settings.app_env == AppEnv::Development {
        tracing::warn!("!!! JWT_SECRET is not set: using the development secret. Anyone can forge tokens. Never run like this in production. !!!");
    }
    let store = open_store(&settings, &clock)
        .await
        .context("cannot open the database")?;
    let base = settings.public_base_url.clone();
    let demo = settings.seed_demo_on_empty;
    let docs = if settings.docs_enabled {
        format!("{base}/docs")
    } else {
        "off (DOCS_ENABLED)".to_owned()
    };
    let adapters = Adapters::from_settings(&settings);
    let app =
        Application::build(settings, store, clock, adapters).context("cannot start the server")?;
    spawn_reconciler(app.state());
    sms::outbox::spawn_worker(app.state());
    tracing::info!(api = %format!("{base}/api/v1"), docs = %docs, "payments API listening on port {}", app.port());
    if demo {
        let logins = [AGENT_LOGIN, SUPERVISOR_LOGIN, ADMIN_LOGIN, CLIENT_LOGIN]
            .map(|l| format!("{} / {}", l.email, l.password))
            .join(", ");
        tracing::info!("demo logins (README): {logins}");
    }
    app.run_until_stopped().await?;
    Ok(())
}
