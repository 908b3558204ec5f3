//! The `yasno collect` and `yasno report` commands: their arguments, and the glue that turns
//! a site folder into a [`CollectorConfig`] and [`ReportLabels`].
//!
//! `main.rs` only parses and dispatches here, so the collector's options live in one place.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::report::{Period, Report, ReportLabels};
use super::store::{self, DbUrl, Store};
use super::{CollectOptions, CollectorConfig, DEFAULT_DB_FILE, DEFAULT_LISTEN, RateLimit};

/// Arguments of `yasno collect`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CollectArgs {
    /// A task on the answer store instead of serving.
    #[command(subcommand)]
    pub command: Option<CollectCommand>,
    /// Site folder (its content gives the surveys and the site's origin).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Where answers are stored: a SQLite file, or postgres://USER:PASSWORD@HOST:PORT/DB
    /// [default: <root>/answers.db].
    #[arg(long, value_name = "FILE|URL")]
    pub db: Option<DbUrl>,
    /// File holding the admin token for export and report (else YASNO_ADMIN_TOKEN).
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Answers per minute per client; 0 turns the limit off.
    #[arg(long, default_value_t = 60)]
    pub rate_limit: u32,
    /// Proxies in front of the collector whose X-Forwarded-For entries are believed: a count
    /// (1 = one reverse proxy, the TCP peer) or addresses/networks (10.0.0.1,10.0.0.0/8).
    /// The client is the rightmost entry not written by one of them. 0 = no proxy.
    #[arg(long, default_value = "0", value_name = "N|ADDRS")]
    pub trusted_proxies: super::TrustedProxies,
    /// Seconds a client has to send a request head; also the idle keep-alive time.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds from a request head to its answer (a slow body gets 408).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Open connections at most; more wait for a free slot.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
    /// Seconds open connections get to finish after SIGTERM or Ctrl-C.
    #[arg(long, default_value_t = 10)]
    pub shutdown_timeout: u64,
}

/// Tasks of `yasno collect` other than serving.
#[derive(Debug, clap::Subcommand)]
pub enum CollectCommand {
    /// Copy the SQLite answer store to FILE while the collector runs (consistent, mode 0600).
    Backup {
        /// The backup file to write (e.g. /var/backups/yasno/answers-2026-07-01.db).
        file: PathBuf,
        /// Site folder [the database defaults to <root>/answers.db].
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// SQLite database file [default: <root>/answers.db].
        #[arg(long)]
        db: Option<PathBuf>,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Copy the answers of a SQLite file into PostgreSQL; run twice, nothing doubles.
    Migrate {
        /// The SQLite answer file (every site in it is copied, each answer keeps its site).
        #[arg(long)]
        from: PathBuf,
        /// The PostgreSQL database, postgres://USER:PASSWORD@HOST:PORT/DB.
        #[arg(long)]
        to: String,
    },
}

/// Arguments of `yasno report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Site folder (service titles, locations, survey texts).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Where answers are stored: a SQLite file, or postgres://USER:PASSWORD@HOST:PORT/DB
    /// [default: <root>/answers.db].
    #[arg(long, value_name = "FILE|URL")]
    pub db: Option<DbUrl>,
    /// Quarter, e.g. 2026Q3.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub quarter: Option<String>,
    /// First day, YYYY-MM-DD (with --to).
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD, included (with --from).
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// Output folder [default: report-<period>].
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Import a mailbox or phone export instead of writing a report.
    #[command(subcommand)]
    pub command: Option<ReportCommand>,
}

/// Subcommands of `yasno report`.
#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// Import requests (letters) or calls from a CSV export: all rows or none.
    Import(ImportArgs),
}

/// What an import reads.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ImportKind {
    /// Requests: id, channel, received, acknowledged, answered.
    Requests,
    /// Calls: time, status (answered|missed), wait_seconds.
    Calls,
}

/// Arguments of `yasno report import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// `requests` or `calls`.
    #[arg(value_enum)]
    pub kind: ImportKind,
    /// The CSV file.
    pub file: PathBuf,
    /// Site folder.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Where answers are stored: a SQLite file, or postgres://USER:PASSWORD@HOST:PORT/DB
    /// [default: <root>/answers.db].
    #[arg(long, value_name = "FILE|URL")]
    pub db: Option<DbUrl>,
}

/// Why a collector command failed; printed once by `main`.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The site could not be loaded (the diagnostics name file, line and column).
    #[error("{0}")]
    Site(crate::diagnostics::Diagnostics),
    /// The token file could not be read.
    #[error(
        "cannot read the token file {path}: {source}\n  hint: put the admin token in the file, or set YASNO_ADMIN_TOKEN"
    )]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The admin token is too short to resist guessing.
    #[error(
        "the admin token has {0} characters; at least {MIN_TOKEN_CHARS} are required\n  hint: make one with `head -c 24 /dev/urandom | base64` and put it in the token file or YASNO_ADMIN_TOKEN"
    )]
    ShortToken(usize),
    /// A period argument is wrong.
    #[error("--{}: {}", .0.field, .0.message)]
    Period(super::report::PeriodError),
    /// The database does not exist.
    #[error("no answer database at {0}\n  hint: pass --db FILE (the file `yasno collect` writes)")]
    NoDatabase(PathBuf),
    /// `migrate --from` names no file.
    #[error(
        "--from {0}: no such answer file\n  hint: --from takes the SQLite file `yasno collect` writes (answers.db in the site folder)"
    )]
    NoMigrateSource(PathBuf),
    /// `migrate --to` is not a PostgreSQL address.
    #[error(
        "--to {0}: a PostgreSQL address is needed\n  hint: --to postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    )]
    NotPostgres(String),
    /// The collector failed.
    #[error(transparent)]
    Collect(#[from] super::CollectError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] super::StoreError),
    /// Writing the report failed.
    #[error("cannot write the report to {path}: {source}")]
    Write {
        /// The folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The backup was not written.
    #[error(transparent)]
    Backup(#[from] super::backup::BackupError),
    /// A CSV export cannot be read; nothing was stored.
    #[error("{0}\n  nothing was imported / ничего не сохранено")]
    Import(super::imports::ImportError),
    /// A file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// What the collector takes from the site folder.
pub struct SiteSurveys {
    /// The collector configuration (surveys, origin, report names).
    pub config: CollectorConfig,
    /// Path prefix of the collector URL (e.g. `/collect`), empty for the root.
    pub prefix: String,
}

/// Loads the site at `root` and derives the collector's configuration from it.
pub fn site_config(root: &Path) -> Result<SiteSurveys, CliError> {
    let site = crate::site::Site::load(root, &crate::site::LoadOptions::default())
        .map_err(CliError::Site)?;
    Ok(from_site(&site))
}

/// Derives the collector's configuration from a loaded site: each service's survey, the
/// site's origin for CORS, names for reports, and the collector URL's path prefix.
/// `yasno serve` uses this too, then mounts [`crate::collect::router`] at the prefix.
pub fn from_site(site: &crate::site::Site) -> SiteSurveys {
    let mut surveys_by_service = std::collections::BTreeMap::new();
    let mut labels = ReportLabels {
        site_name: site.settings.name.clone(),
        ..ReportLabels::default()
    };
    // Translations share their service's slug; the page in the site's language comes first.
    let mut services: Vec<_> = site.services.iter().collect();
    services.sort_by_key(|s| !s.is_default_lang(&site.settings));
    for service in services {
        labels
            .services
            .entry(service.slug.clone())
            .or_insert_with(|| service.meta.title.clone());
        if let Some(survey) = &service.survey {
            labels.surveys_on.insert(service.slug.clone());
            surveys_by_service
                .entry(service.slug.clone())
                .or_insert_with(|| yasno_survey_core::Survey::clone(survey));
            labels
                .surveys
                .entry(survey.id.clone())
                .or_insert_with(|| yasno_survey_core::Survey::clone(survey));
        }
    }
    for survey in site.surveys.values() {
        labels
            .surveys
            .entry(survey.id.clone())
            .or_insert_with(|| yasno_survey_core::Survey::clone(survey));
    }
    for location in &site.settings.locations {
        labels
            .locations
            .insert(location.tag.clone(), location.name.clone());
    }
    let base = site.settings.base_url.trim_end_matches('/').to_owned();
    let collector = site.settings.collector_url.trim_end_matches('/');
    let base_origin = origin_of(&base);
    let (collector_origin, prefix) = match collector.find("://") {
        Some(i) => {
            let rest = &collector[i + 3..];
            let path_at = rest.find('/').map_or(collector.len(), |p| i + 3 + p);
            (Some(&collector[..path_at]), collector[path_at..].to_owned())
        }
        None => (None, collector.to_owned()),
    };
    let mut config = CollectorConfig::new(surveys_by_service);
    config.allowed_origin = base_origin.clone();
    // When the collector is on another origin, a relative 303 would land on the collector:
    // send the visitor back to the site itself.
    if collector_origin.is_some() && collector_origin.map(str::to_owned) != base_origin {
        config.redirect_base = Some(base);
    }
    labels.settings = site.settings.report.clone();
    labels.calendar = crate::check::Calendar::russia().extended(&site.settings.check.calendar);
    config.report = labels;
    config.site = site.settings.site_id();
    config.replies = site_replies(site);
    SiteSurveys { config, prefix }
}

/// The collector's words in each of the site's languages, from the site's theme tables; none
/// when the theme does not load (`yasno check` and `build` name why).
fn site_replies(site: &crate::site::Site) -> super::Replies {
    let settings = &site.settings;
    match crate::render::theme::Theme::load(&site.root, &settings.theme, &settings.lang) {
        Ok(theme) => super::Replies::new(
            theme.languages().map(|l| (l, &theme.strings(l).map)),
            &settings.lang,
        ),
        Err(_) => super::Replies::default(),
    }
}

/// `https://host[:port]` of a URL, if it has one.
fn origin_of(url: &str) -> Option<String> {
    let i = url.find("://")?;
    let rest = &url[i + 3..];
    let end = rest.find('/').unwrap_or(rest.len());
    Some(url[..i + 3 + end].to_owned())
}

/// The shortest admin token `yasno collect` accepts.
pub const MIN_TOKEN_CHARS: usize = 16;

fn read_token(token_file: Option<&Path>) -> Result<Option<String>, CliError> {
    let token = read_token_text(token_file)?;
    match token {
        Some(t) if t.chars().count() < MIN_TOKEN_CHARS => {
            Err(CliError::ShortToken(t.chars().count()))
        }
        other => Ok(other),
    }
}

fn read_token_text(token_file: Option<&Path>) -> Result<Option<String>, CliError> {
    if let Some(path) = token_file {
        let text = std::fs::read_to_string(path).map_err(|source| CliError::TokenFile {
            path: path.to_owned(),
            source,
        })?;
        return Ok(Some(text.trim().to_owned()).filter(|t| !t.is_empty()));
    }
    Ok(std::env::var("YASNO_ADMIN_TOKEN")
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty()))
}

/// Sets up structured logs (`RUST_LOG` overrides the default `info`).
pub fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// `yasno collect`: serves the collector until Ctrl-C or SIGTERM.
pub fn collect(args: CollectArgs) -> Result<(), CliError> {
    if let Some(command) = args.command {
        return collect_task(command);
    }
    init_logs();
    let SiteSurveys { mut config, prefix } = site_config(&args.root)?;
    config.admin_token = read_token(args.token_file.as_deref())?;
    if config.admin_token.is_none() {
        tracing::warn!(
            "no admin token (YASNO_ADMIN_TOKEN or --token-file): export and report are refused"
        );
    }
    config.rate_limit = std::num::NonZeroU32::new(args.rate_limit).map(|n| RateLimit {
        per_minute: n,
        burst: std::num::NonZeroU32::new(n.get().div_ceil(2)).unwrap_or(n),
    });
    config.trusted_proxies = args.trusted_proxies;
    let options = CollectOptions {
        listen: args.listen,
        db: args
            .db
            .unwrap_or_else(|| DbUrl::Sqlite(args.root.join(DEFAULT_DB_FILE))),
        prefix,
        limits: super::ConnLimits {
            header_read: Duration::from_secs(args.header_timeout),
            request: Duration::from_secs(args.request_timeout),
            max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
            shutdown: Duration::from_secs(args.shutdown_timeout),
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    runtime.block_on(super::run(config, options))?;
    Ok(())
}

fn collect_task(command: CollectCommand) -> Result<(), CliError> {
    match command {
        CollectCommand::Backup {
            file,
            root,
            db,
            force,
        } => {
            let db = db.unwrap_or_else(|| root.join(DEFAULT_DB_FILE));
            let request = super::backup::BackupRequest {
                db,
                target: file,
                force,
            };
            let answers = super::backup::backup(&request)?;
            println!(
                "резервная копия записана: {0}, ответов: {answers} / backup written: {0}, answers: {answers}",
                request.target.display()
            );
            Ok(())
        }
        CollectCommand::Migrate { from, to } => migrate(&from, &to),
    }
}

/// `yasno report import requests|calls FILE`: reads the whole file, then stores it in one
/// transaction.
pub fn import(args: ImportArgs) -> Result<(), CliError> {
    init_logs();
    let text = std::fs::read_to_string(&args.file).map_err(|source| CliError::Read {
        path: args.file.clone(),
        source,
    })?;
    let db = args
        .db
        .unwrap_or_else(|| DbUrl::Sqlite(args.root.join(DEFAULT_DB_FILE)));
    let site = site_config(&args.root)?.config.site;
    enum Rows {
        Requests(Vec<super::RequestRecord>),
        Calls(Vec<super::CallRecord>),
    }
    let rows = match args.kind {
        ImportKind::Requests => {
            super::imports::read_requests(&args.file, &text).map(Rows::Requests)
        }
        ImportKind::Calls => super::imports::read_calls(&args.file, &text).map(Rows::Calls),
    }
    .map_err(CliError::Import)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    let done = runtime.block_on(async {
        let store = store::open(&db, &site).await?;
        let done = match rows {
            Rows::Requests(r) => store.import_requests(r).await,
            Rows::Calls(c) => store.import_calls(c).await,
        };
        store.close().await?;
        done
    })?;
    println!(
        "импортировано: новых {}, уже было {} / imported: {} new, {} already stored",
        done.new, done.known, done.new, done.known
    );
    Ok(())
}

/// `yasno report`: writes the HTML report and CSV files of a period.
pub fn report(args: ReportArgs) -> Result<(), CliError> {
    if let Some(ReportCommand::Import(import_args)) = args.command {
        return import(import_args);
    }
    init_logs();
    let period = match (&args.quarter, &args.from, &args.to) {
        (Some(q), _, _) => Period::quarter(q),
        (None, Some(f), Some(t)) => Period::between(f, t),
        _ => Ok(Period::all_time()),
    }
    .map_err(CliError::Period)?;
    let db = args
        .db
        .clone()
        .unwrap_or_else(|| DbUrl::Sqlite(args.root.join(DEFAULT_DB_FILE)));
    if let DbUrl::Sqlite(path) = &db
        && !store::exists(&db)
    {
        return Err(CliError::NoDatabase(path.clone()));
    }
    let site = crate::site::Site::load(&args.root, &crate::site::LoadOptions::default())
        .map_err(CliError::Site)?;
    let config = from_site(&site).config;
    let labels = config.report;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    let previous_period = period.previous();
    let data = runtime.block_on(async {
        let store = store::open(&db, &config.site).await?;
        let data = read_period(&*store, &period, previous_period.as_ref()).await;
        store.close().await?;
        data
    });
    let data = data?;
    let rows = &data.now.answers;
    let output = args.output.unwrap_or_else(|| {
        PathBuf::from(format!(
            "report-{}",
            period.label.replace([' ', '—', '/'], "")
        ))
    });
    let mut report = Report::build_compared(rows, &data.before.answers, &period, &labels);
    add_control(
        &mut report,
        &data,
        &site,
        (&period, previous_period.as_ref()),
        &labels,
    )?;
    let written = report.write(&output).map_err(|source| CliError::Write {
        path: output.clone(),
        source,
    })?;
    println!(
        "отчёт за {}: {} ответов / report for {}: {} answers",
        period.label,
        rows.len(),
        period.label,
        rows.len()
    );
    for path in written {
        println!("  {}", path.display());
    }
    Ok(())
}

/// `yasno collect migrate`: copies a SQLite file into PostgreSQL and says what it did.
fn migrate(from: &Path, to: &str) -> Result<(), CliError> {
    init_logs();
    let DbUrl::Postgres(url) = DbUrl::parse(to) else {
        return Err(CliError::NotPostgres(to.to_owned()));
    };
    if !from.is_file() {
        return Err(CliError::NoMigrateSource(from.to_owned()));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    let done = runtime.block_on(store::migrate_sqlite_to_pg(from, &url))?;
    println!(
        "перенесено {} ответов, пропущено {} (уже были) из {} / copied {} answers, skipped {} (already there) of {} in {}",
        done.copied,
        done.skipped,
        done.read,
        done.copied,
        done.skipped,
        done.read,
        from.display()
    );
    let (v, r, c) = (done.votes, done.requests, done.calls);
    println!(
        "перенесено отметок «Полезна ли страница?» {} (пропущено {}), писем {} ({}), звонков {} ({}) / copied {} page votes (skipped {}), {} requests ({}), {} calls ({})",
        v.copied,
        v.skipped,
        r.copied,
        r.skipped,
        c.copied,
        c.skipped,
        v.copied,
        v.skipped,
        r.copied,
        r.skipped,
        c.copied,
        c.skipped
    );
    Ok(())
}
/// Adds the control parts the store and the content hold: decisions (warning about an
/// alert with none), letters and calls, page votes.
fn add_control(
    report: &mut Report,
    data: &ReportData,
    site: &crate::site::Site,
    (period, previous_period): (&Period, Option<&Period>),
    labels: &ReportLabels,
) -> Result<(), CliError> {
    let root = &site.root;
    let slugs: std::collections::BTreeSet<String> = labels.services.keys().cloned().collect();
    let decisions_of = |p: Option<&Period>| match p {
        Some(p) if Period::quarter(&p.label).is_ok() => {
            super::report::load_decisions(&super::report::decisions_file(root, &p.label), &slugs)
                .map_err(CliError::Site)
        }
        _ => Ok(Default::default()),
    };
    let now = decisions_of(Some(period))?;
    let before = decisions_of(previous_period)?;
    // The check of 3.5, the same rule `yasno check --db` applies: a service on the alert
    // list needs the meeting's decision.
    for slug in report.comparison.attach_decisions(&now, &before) {
        eprintln!(
            "{}",
            super::decision_check::report_warning(&slug, &period.label, root)
        );
    }
    let today = crate::check::today();
    let end = |p: &Period| p.to.min(today);
    report.letters = Some(super::report::LettersAndCalls::build(
        (&data.now.requests, &data.now.calls),
        (&data.before.requests, &data.before.calls),
        &labels.calendar,
        end(period),
        previous_period.map_or(period.from, end),
    ));
    // Freshness as of the period's end (or today, if earlier), and the staff handbook's
    // coverage (7.2 part 4) when the site has a handbook.
    let as_of = end(period);
    let coverage = (!site.staff.texts.is_empty()).then(|| handbook_coverage(site));
    report.monitoring = Some(super::report::Monitoring::new(
        super::monitor::monitoring_rows(site, as_of),
        as_of.strftime("%d.%m.%Y").to_string(),
        coverage.as_ref(),
    ));
    report.pages = Some(super::report::page_votes(
        &data.now.votes,
        &data.before.votes,
    ));
    Ok(())
}

/// The handbook's gaps in the report's terms: missing kinds by service, missing situations.
fn handbook_coverage(site: &crate::site::Site) -> super::report::HandbookCoverage {
    let c = crate::handbook::coverage(site, &site.staff);
    super::report::HandbookCoverage {
        services: c
            .services
            .into_iter()
            .map(|s| {
                (
                    s.slug,
                    s.missing.iter().map(|k| k.label().to_owned()).collect(),
                )
            })
            .collect(),
        site_missing: c
            .missing_situations
            .iter()
            .map(|s| s.label().to_owned())
            .collect(),
    }
}

/// What a report reads from the store for one period.
#[derive(Default)]
struct PeriodData {
    answers: Vec<super::StoredAnswer>,
    requests: Vec<super::RequestRecord>,
    calls: Vec<super::CallRecord>,
    votes: Vec<super::PageVote>,
}

/// The period's data and the previous period's, read through the [`Store`] trait.
struct ReportData {
    now: PeriodData,
    before: PeriodData,
}

async fn read_one(store: &dyn Store, period: &Period) -> Result<PeriodData, super::StoreError> {
    let (from, to) = period.bounds();
    Ok(PeriodData {
        answers: store.answers_between(from, to).await?,
        requests: store.requests_between(period.from, period.to).await?,
        calls: store.calls_between(period.from, period.to).await?,
        votes: store.page_votes_between(from, to).await?,
    })
}

async fn read_period(
    store: &dyn Store,
    period: &Period,
    previous: Option<&Period>,
) -> Result<ReportData, super::StoreError> {
    let now = read_one(store, period).await?;
    let before = match previous {
        Some(p) => read_one(store, p).await?,
        None => PeriodData::default(),
    };
    Ok(ReportData { now, before })
}
