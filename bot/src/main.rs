//! The `baton` command: runs the bot, and the operator's tools around it.

mod wiring;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use async_trait::async_trait;
use baton::app::App;
use baton::clock::{Clock, ManualClock, SystemClock};
use baton::config::{self, Config};
use baton::engine::{Engine, Settings};
use baton::outbox::{Outbox, Sinks};
use baton::store::{self, Store};
use baton_chat::InboundEvent;
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "baton", version, about = "Chat-ops for support and success teams, in Slack and Discord.")]
struct Cli {
    /// Configuration file (default: ./baton.toml if present, else the built-in demo config).
    #[arg(long, global = true, env = "BATON_CONFIG")]
    config: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the bot (the default). Without Slack or Discord tokens it runs the terminal shell.
    Run {
        /// Run the shell non-interactively from a script (one line per action).
        #[arg(long)]
        script: Option<PathBuf>,
        /// Who speaks first in the shell.
        #[arg(long = "as", default_value = "dana")]
        speaker: String,
        /// The shell's first channel.
        #[arg(long = "in", default_value = "acme")]
        channel: String,
    },
    /// Run the HTTP server and the workers with the configured Slack/Discord adapters.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Validate the configuration, print every problem with its key, exit non-zero if any.
    CheckConfig,
    /// Import accounts or people from CSV (upsert by id; all rows or none).
    Import {
        #[arg(value_enum)]
        what: ImportKind,
        file: PathBuf,
    },
    /// Inspect the outbox.
    Outbox {
        #[command(subcommand)]
        action: OutboxCmd,
    },
    /// Scheduled digests.
    Digest {
        #[command(subcommand)]
        action: DigestCmd,
    },
}

#[derive(Subcommand)]
enum DigestCmd {
    /// Render a configured digest now and queue it for its destinations (a running `baton
    /// serve` delivers it); the schedule is not affected.
    Run {
        /// The digest's `name` in the configuration.
        name: String,
        /// Print the digest to stdout instead of posting it.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ImportKind {
    Accounts,
    People,
}

#[derive(Subcommand)]
enum OutboxCmd {
    /// List queued messages (newest last).
    List {
        /// Only messages parked as dead.
        #[arg(long)]
        dead: bool,
    },
    /// Make a dead (or waiting) message due again now.
    Retry {
        /// The message's id, as `outbox list` shows it.
        id: i64,
    },
}

fn init_logging(format: LogFormat, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    use std::io::IsTerminal;
    let default = if quiet { "warn" } else { "info,sqlx=warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The shell keeps the terminal for the chat: only warnings are logged there.
    let shell_mode = matches!(cli.command, None | Some(Cmd::Run { .. }));
    init_logging(cli.log_format, shell_mode);
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("baton: {e}");
            ExitCode::FAILURE
        }
    }
}

use wiring::AnyError;

async fn run(cli: Cli) -> Result<ExitCode, AnyError> {
    let path = cli.config.as_deref();
    if let Some(Cmd::CheckConfig) = cli.command {
        let problems = config::check(path);
        if problems.is_empty() {
            println!("configuration OK");
            return Ok(ExitCode::SUCCESS);
        }
        for p in &problems {
            println!("{p}");
        }
        println!("{} problem(s) found", problems.len());
        return Ok(ExitCode::from(2));
    }
    let config = config::load(path)?;
    let store = store::connect(&config.database.url).await?;
    store.migrate().await?;
    match cli.command {
        Some(Cmd::Migrate) => {
            println!("migrations applied to {}", redact_url(&config.database.url));
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Import { what, file }) => {
            let text = std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let n = match what {
                ImportKind::Accounts => baton::import::import_accounts(store.as_ref(), &text, &config.general.tiers).await?,
                ImportKind::People => baton::import::import_people(store.as_ref(), &text).await?,
            };
            println!("imported {n} row(s) from {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Outbox { action: OutboxCmd::List { dead } }) => {
            for row in store.outbox(dead, 1000).await? {
                let state = if row.dead {
                    "dead"
                } else if row.delivered_at.is_some() {
                    "delivered"
                } else {
                    "pending"
                };
                println!(
                    "{}\t{}\t{}\tattempts={}\t{}\t{}",
                    row.id,
                    row.platform,
                    state,
                    row.attempts,
                    row.created_at.to_rfc3339(),
                    row.last_error.unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Outbox { action: OutboxCmd::Retry { id } }) => {
            if store.retry_outbound(id, SystemClock.now()).await? {
                println!("message {id} will be delivered by the next running baton");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("baton: no undelivered message {id} in the outbox");
                Ok(ExitCode::FAILURE)
            }
        }
        Some(Cmd::Digest { action: DigestCmd::Run { name, dry_run } }) => digest_run(&config, store, &name, dry_run).await,
        Some(Cmd::CheckConfig) => unreachable!("handled above"),
        Some(Cmd::Serve) => run_server(config, store).await,
        Some(Cmd::Run { script, speaker, channel }) => run_bot(config, store, script, &speaker, &channel).await,
        None if wiring::any_platform(&config) => run_server(config, store).await,
        None => run_bot(config, store, None, "dana", "acme").await,
    }
}

fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}

/// `baton digest run NAME [--dry-run]`: renders the digest for the period ending now.
async fn digest_run(config: &Config, store: Arc<dyn Store>, name: &str, dry_run: bool) -> Result<ExitCode, AnyError> {
    use baton::digest::{DigestSpec, Digests, Occasion};
    let specs = DigestSpec::all(config)?;
    let Some(spec) = specs.iter().find(|s| s.name == name.trim()) else {
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        let known = if names.is_empty() { "none is configured".to_string() } else { format!("configured: {}", names.join(", ")) };
        eprintln!("baton: there is no digest named `{name}` ({known})");
        return Ok(ExitCode::from(2));
    };
    let now = SystemClock.now();
    let settings = Arc::new(Settings::from_config(config));
    let outlook = baton::digest::SlaClocksOutlook { rules: settings.sla_rules.clone(), horizon: chrono::Duration::hours(4) };
    let messages = Digests::new(store.clone(), settings)
        .with_sla(Arc::new(outlook))
        .render(spec, &Occasion::now(spec, now), now)
        .await?;
    if dry_run {
        for m in &messages {
            println!("{}", baton::digest::plain_text(&spec.lang, m));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let queued: Vec<_> = messages.into_iter().map(baton::store::NewOutbound::message).collect();
    store.enqueue(&queued, now).await?;
    println!("queued {} message(s) for digest {}; a running baton delivers them", queued.len(), spec.name);
    Ok(ExitCode::SUCCESS)
}

/// Feeds shell events to the app one at a time. The shell's clock is the world's clock:
/// `/wait 3d` followed by any line runs the lifecycle timers three days later.
struct ShellDispatch {
    app: App,
    clock: Arc<ManualClock>,
}

#[async_trait]
impl baton_shell::Dispatch for ShellDispatch {
    async fn dispatch(&self, event: InboundEvent) {
        self.clock.set(event.body.at());
        if let Err(e) = self.app.engine.tick().await {
            tracing::error!(error = %e, "timers failed");
        }
        if let Err(e) = self.app.ingest_now(&event).await {
            tracing::error!(error = %e, "event not handled");
        }
        if let Err(e) = self.app.outbox.deliver_due().await {
            tracing::error!(error = %e, "delivery failed");
        }
    }
}

async fn run_bot(
    config: Config,
    store: Arc<dyn Store>,
    script: Option<PathBuf>,
    speaker: &str,
    channel: &str,
) -> Result<ExitCode, AnyError> {
    let (accounts, people) = seed(&config, &store).await?;
    if wiring::any_platform(&config) {
        return Err("Slack or Discord is configured: use `baton serve` (or run without a subcommand)".into());
    }
    let shell_clock = Arc::new(ManualClock::new(SystemClock.now()));
    let clock: Arc<dyn Clock> = shell_clock.clone();
    let settings = Arc::new(Settings::from_config(&config));
    let (mut shell, sink) = baton_shell::Shell::new(Box::new(std::io::stdout()), speaker, channel);
    let mut sinks = Sinks::default();
    sinks.add(Arc::new(sink));
    let engine = Engine::new(store.clone(), settings, clock.clone());
    let outbox = Outbox::new(store.clone(), sinks, clock.clone());
    let app = App::new(engine, outbox, clock);
    let recovered = app.drain_inbox().await?;
    if recovered > 0 {
        tracing::info!(recovered, "handled events left from the last run");
    }
    app.outbox.deliver_due().await?;
    let dispatch = ShellDispatch { app, clock: shell_clock };
    match script {
        Some(path) => {
            let file = tokio::fs::File::open(&path).await.map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            baton_shell::run(&mut shell, tokio::io::BufReader::new(file), &dispatch, true).await;
        }
        None => {
            shell.print(&format!(
                "baton {} on {} with {} account(s) and {} people.\n{}\n",
                env!("CARGO_PKG_VERSION"),
                redact_url(&config.database.url),
                accounts,
                people,
                baton_shell::HELP
            ));
            // Piped input reads like a script: echo the lines instead of prompting.
            use std::io::IsTerminal;
            let piped = !std::io::stdin().is_terminal();
            baton_shell::run(&mut shell, tokio::io::BufReader::new(tokio::io::stdin()), &dispatch, piped).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads the configured accounts and people into the store (people first: accounts name
/// their CSMs).
async fn seed(config: &Config, store: &Arc<dyn Store>) -> Result<(usize, usize), AnyError> {
    let (accounts, people) = config::to_domain(config)?;
    store.upsert_people(&people).await?;
    store.upsert_accounts(&accounts).await?;
    Ok((accounts.len(), people.len()))
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}

async fn run_server(config: Config, store: Arc<dyn Store>) -> Result<ExitCode, AnyError> {
    use std::time::Duration;
    use tokio::sync::watch;
    let (accounts, people) = seed(&config, &store).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let settings = Arc::new(Settings::from_config(&config));
    let sinks = wiring::sinks(&config)?;
    let engine = Engine::new(store.clone(), settings.clone(), clock.clone());
    let outbox = Outbox::new(store.clone(), sinks, clock.clone()).with_lease(config.general.claim_lease());
    let app = App::new(engine, outbox, clock.clone()).with_inbox_retention(config.general.inbox_retention());
    // Shutdown happens in two steps: intake (adapters, inbox, timers, digests) stops first,
    // then the outbox, so that it delivers what the last events caused.
    let (stop_intake, intake_stopped) = watch::channel(false);
    let (stop_outbox, outbox_stopped) = watch::channel(false);
    let (adapter_routes, mut adapter_tasks) = wiring::inbound(&config, Arc::new(app.clone()), intake_stopped.clone())?;
    adapter_tasks.extend(wiring::resolve_slack_people(&config, store.clone(), intake_stopped.clone()).await?);
    // Digests: each slot claimed in the database, so replicas post it once.
    let outlook = baton::digest::SlaClocksOutlook { rules: settings.sla_rules.clone(), horizon: chrono::Duration::hours(4) };
    let digests = baton::digest::Digests::new(store.clone(), settings).with_sla(Arc::new(outlook));
    let scheduler = baton::scheduler::Scheduler::new(store.clone(), digests, baton::digest::DigestSpec::all(&config)?, clock.clone())
        .with_outbox(app.outbox.clone());
    let api = baton::signals_api::router(store.clone(), clock.clone(), config.api.signals_token.clone());
    let intake: Vec<_> = [
        tokio::spawn(app.clone().run_inbox(Duration::from_millis(500), intake_stopped.clone())),
        tokio::spawn(app.clone().run_timers(Duration::from_secs(30), intake_stopped.clone())),
        tokio::spawn(scheduler.run(Duration::from_secs(15), intake_stopped.clone())),
    ]
    .into_iter()
    .chain(adapter_tasks)
    .collect();
    let delivery = tokio::spawn(app.outbox.clone().run(Duration::from_secs(1), outbox_stopped));
    let listener = tokio::net::TcpListener::bind(&config.http.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.http.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, accounts, people, "baton is serving");
    println!("baton listening on http://{addr}");
    let (signal, signalled) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = signal.send(true);
    });
    let mut until_signal = signalled.clone();
    let mut server = tokio::spawn(baton::server::serve(
        listener,
        baton::server::router(app.clone(), adapter_routes.merge(api)),
        async move {
            let _ = until_signal.wait_for(|s| *s).await;
        },
    ));
    let mut signalled = signalled;
    tokio::select! {
        // First: after the signal the server finishes by itself, which is not an error.
        biased;
        _ = signalled.wait_for(|s| *s) => {}
        served = &mut server => {
            // The server stopped by itself: an I/O error on the listener.
            served??;
            return Err("the HTTP server stopped unexpectedly".into());
        }
    }
    let grace = config.general.shutdown_grace();
    tracing::info!(grace = ?grace, "stopping: no new events; finishing acknowledged work and the outbox");
    let drained = tokio::time::timeout(grace, async move {
        // The listener is closed at once; requests in flight are answered.
        if let Ok(Err(e)) = server.await {
            tracing::warn!(error = %e, "HTTP server error while stopping");
        }
        let _ = stop_intake.send(true);
        for task in intake {
            let _ = task.await;
        }
        let _ = stop_outbox.send(true);
        let _ = delivery.await;
    })
    .await;
    let left = store.unprocessed_inbound(1).await.map(|v| v.len()).unwrap_or(0);
    let (waiting, _) = store.outbox_backlog().await.unwrap_or((0, None));
    match drained {
        Ok(()) => {
            // Messages still waiting are ones whose next attempt is not due (a retry after
            // a failure); a running replica, or the next start, delivers them.
            tracing::info!(outbox_waiting = waiting, "stopped");
            Ok(ExitCode::SUCCESS)
        }
        Err(_) => {
            tracing::warn!(
                grace = ?grace,
                inbox_left = left,
                outbox_waiting = waiting,
                "general.shutdown_grace passed before the work was done; it stays in the database \
                 for another replica or the next start (claims expire after general.claim_lease)"
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
