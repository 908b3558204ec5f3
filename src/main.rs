//! The `yasno` command line: parses arguments, calls the library, prints diagnostics.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// jemalloc, not glibc's malloc: faster for the build's many small allocations (README,
/// "Measurements"). Only the binary uses it; the library leaves the choice to its users.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read at its start (the C global `malloc_conf`, under the `_rjem_`
/// prefix the crate gives every jemalloc symbol: unprefixed, it would be silently ignored).
/// One arena: its default of four per core raised a 10,000-service build's peak memory by
/// ~45 MiB, to the edge of the 300 MB target, and one arena behind each thread's cache was
/// as fast on this 2-core machine. `_RJEM_MALLOC_CONF=narenas:N` overrides it on a bigger one.
#[cfg(not(target_env = "msvc"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &[u8; 10] = b"narenas:1\0";

/// yasno: a plain-language public-service website from a folder of Markdown.
#[derive(Parser)]
#[command(name = "yasno", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Output format of `yasno check`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum CheckFormat {
    /// rustc-style diagnostics.
    Human,
    /// A JSON array of findings.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (public/ by default).
    Build {
        /// The site folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output folder (default: <root>/public).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Replace the base URL from content/site.toml.
        #[arg(long)]
        base_url: Option<String>,
        /// Include services marked as drafts.
        #[arg(long)]
        drafts: bool,
        /// Fail when `yasno check` finds an error (otherwise its findings are warnings).
        #[arg(long)]
        strict: bool,
        /// Print every warning (by default, more than 20 are summarised by rule and file).
        #[arg(long)]
        verbose: bool,
        /// Folder of the staff handbook (default: handbook_dir in content/site.toml, or
        /// <root>/handbook); never inside the output folder.
        #[arg(long)]
        handbook: Option<PathBuf>,
    },
    /// Check texts: plain language, accessibility, freshness (rules 1.7, 2.3, 2.4, 4.9).
    Check {
        /// Markdown files or folders to check (default: the whole site).
        paths: Vec<PathBuf>,
        /// The site folder (settings come from <root>/content/site.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output: rustc-style text or a JSON array.
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
        /// Also write the monitoring summary (HTML) to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Check freshness as of this date (YYYY-MM-DD) instead of today.
        #[arg(long)]
        today: Option<String>,
        /// Neither read nor write <root>/.yasno-cache/check.bin.
        #[arg(long)]
        no_cache: bool,
        /// Also read the answer store (a SQLite file or postgres://…) and warn about services
        /// on the quarter's alert list with no decision (rule decision-missing).
        #[arg(long, value_name = "FILE|URL", conflicts_with = "paths")]
        db: Option<yasno::collect::DbUrl>,
        /// Quarter for --db, e.g. 2026Q3 [default: the quarter of --today, or of today].
        #[arg(long, requires = "db")]
        quarter: Option<String>,
    },
    /// Preview the site: build into memory, serve on 127.0.0.1, rebuild and reload on every save.
    Serve {
        /// The site folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Include services marked as drafts.
        #[arg(long)]
        drafts: bool,
    },
    /// Create a new site with settings, one sample service and the default theme.
    New {
        /// Folder to create (must be empty or absent).
        dir: PathBuf,
    },
    /// Run the survey collector (HTTP; answers in SQLite or PostgreSQL) for the site.
    Collect(yasno::collect::cli::CollectArgs),
    /// Write the survey report (HTML + CSV) for a quarter or a period.
    Report(yasno::collect::cli::ReportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
            strict,
            verbose,
            handbook,
        } => build(
            yasno::BuildOptions {
                root,
                output,
                base_url,
                drafts,
                strict,
                handbook,
            },
            verbose,
        ),
        Command::Check {
            paths,
            root,
            format,
            report,
            today,
            no_cache,
            db,
            quarter,
        } => check(CheckArgs {
            paths,
            root,
            format,
            report,
            today,
            no_cache,
            db,
            quarter,
        }),
        Command::Serve { root, port, drafts } => {
            let mut opts = yasno::serve::ServeOptions::new(root);
            opts.port = port;
            opts.drafts = drafts;
            match yasno::serve::run(&opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::New { dir } => match yasno::scaffold::new_site(&dir) {
            Ok(()) => {
                println!(
                    "Сайт создан в {0}. Соберите его: yasno build --root {0}\nSite created in {0}. Build it: yasno build --root {0}",
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Collect(args) => collector(yasno::collect::cli::collect(args)),
        Command::Report(args) => collector(yasno::collect::cli::report(args)),
    }
}

fn collector(result: Result<(), yasno::collect::cli::CliError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(yasno::collect::cli::CliError::Site(d)) => {
            d.emit_to_stderr();
            eprintln!("error: the site has errors; fix them and start again");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A progress bar over the build's stages, drawn only when the build takes longer than a
/// moment (a fast build prints just its summary line) and only on a terminal.
fn progress_bar() -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let bar = ProgressBar::with_draw_target(Some(3), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{pos}/{len}] {wide_msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let shown = bar.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(150));
        if !shown.is_finished() {
            shown.set_draw_target(ProgressDrawTarget::stderr());
            shown.enable_steady_tick(std::time::Duration::from_millis(100));
        }
    });
    bar
}

/// Under a build's summary: how to see every warning.
const BUILD_HINT: &str = "Весь список: yasno build --verbose (или yasno check, yasno check --format json) / full list: yasno build --verbose (or yasno check, yasno check --format json)";

fn build(opts: yasno::BuildOptions, verbose: bool) -> ExitCode {
    use yasno::diagnostics::Detail;
    let detail = if verbose { Detail::Full } else { Detail::Auto };
    use yasno::BuildStage;
    let out = opts.output_dir();
    let bar = progress_bar();
    let result = yasno::build_observed(&opts, &mut |stage| {
        let msg = match stage {
            BuildStage::Loading => "читаю содержимое / loading content".to_owned(),
            BuildStage::Rendering { pages } => {
                format!("строю {pages} страниц / rendering {pages} pages")
            }
            BuildStage::Writing { files } => format!("пишу {files} файлов / writing {files} files"),
        };
        if stage != BuildStage::Loading {
            bar.inc(1);
        }
        bar.set_message(msg);
    });
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            report.warnings.print_to_stderr(detail, BUILD_HINT);
            let warnings = report.warnings.len();
            println!(
                "Готово: {} страниц, {} файлов ({} без изменений) в {} за {:.2} с, предупреждений: {} / built {} pages, {} files ({} unchanged) in {:.2} s, {} warnings",
                report.pages,
                report.files,
                report.unchanged,
                out.display(),
                report.elapsed.as_secs_f64(),
                warnings,
                report.pages,
                report.files,
                report.unchanged,
                report.elapsed.as_secs_f64(),
                warnings
            );
            println!(
                "Справочник сотрудника (не для публикации): {} / staff handbook (not for publishing): {}",
                report.handbook.display(),
                report.handbook.display()
            );
            ExitCode::SUCCESS
        }
        Err(yasno::BuildError::Content(d)) => {
            d.print_to_stderr(detail, BUILD_HINT);
            let n = d.0.len();
            eprintln!(
                "error: сборка остановлена, ошибок: {n}; {} не изменена / build failed with {n} error(s); {} is unchanged",
                out.display(),
                out.display()
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

struct CheckArgs {
    paths: Vec<PathBuf>,
    root: PathBuf,
    format: CheckFormat,
    report: Option<PathBuf>,
    today: Option<String>,
    no_cache: bool,
    db: Option<yasno::collect::DbUrl>,
    quarter: Option<String>,
}

/// `yasno check`: the whole site, or the given Markdown files with the site's settings.
fn check(args: CheckArgs) -> ExitCode {
    use std::io::{IsTerminal, Write};
    use yasno::check;

    let today = match &args.today {
        None => check::today(),
        Some(s) => match yasno::site::Date::parse(s) {
            Ok(d) => d.0,
            Err(e) => {
                eprintln!("error: --today: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let settings_path = args.root.join("content").join("site.toml");
    let (site, files, settings, site_name) = match check_inputs(&args, &settings_path) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let cache_path = check::run::cache_path(&args.root);
    // Loose files outside a site leave no cache folder behind.
    let use_cache = !args.no_cache && settings_path.exists();
    let opts = check::CheckOptions {
        today,
        cache: use_cache.then(|| cache_path.clone()),
    };
    let target = match &site {
        Some(site) => check::Target::Site(site),
        None => check::Target::Files {
            files,
            config: &settings.check,
            root: Some(&args.root),
        },
    };
    // The files' texts are read again for the messages (a site's are ~170 MB at 10,000 pages).
    // Findings are kept as rows (~40 bytes each; a legacy site has 700,000).
    let mut outcome = check::run::run_as_rows(target, &opts, &mut |c| c.release_sources());
    if let (Some(site), Some(db)) = (&site, &args.db) {
        // The store is read only when asked: `yasno check` never needs a database.
        let quarter = (args.quarter.clone())
            .unwrap_or_else(|| yasno::collect::decision_check::quarter_of(today));
        match yasno::collect::decision_check::decision_findings(site, db, &quarter) {
            Ok(found) => check::add_findings(&mut outcome.check, site, found),
            Err(e) => return collector(Err(e)),
        }
    }
    for u in &outcome.unknown_rules {
        eprintln!("error: {}: {u}", settings_path.display());
    }
    if let Some(e) = &outcome.cache_error {
        eprintln!(
            "warning: кэш не записан / cache not written: {}: {e}",
            cache_path.display()
        );
    }
    let result = &outcome.check;
    if let Some(path) = &args.report {
        let html = check::report::render_html(&site_name, &result.pages, today);
        if let Err(e) = std::fs::write(path, html) {
            eprintln!(
                "error: отчёт не записан / cannot write the report {}: {e}",
                path.display()
            );
            return ExitCode::FAILURE;
        }
    }
    let (errors, warnings) = result.counts();
    match args.format {
        CheckFormat::Json => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let _ = check::print::write_json(result, &mut out)
                .and_then(|()| writeln!(out))
                .and_then(|()| out.flush());
        }
        CheckFormat::Human => {
            let color = if std::io::stdout().is_terminal() {
                codespan_reporting::term::termcolor::ColorChoice::Auto
            } else {
                codespan_reporting::term::termcolor::ColorChoice::Never
            };
            // One buffer for the whole list: a legacy site has tens of thousands of findings.
            let mut out =
                codespan_reporting::term::termcolor::BufferedStandardStream::stdout(color);
            let _ = check::print::write_human(result, &mut out);
            let _ = writeln!(
                out,
                "Проверено файлов: {}; ошибок: {errors}, предупреждений: {warnings} / checked {} files: {errors} errors, {warnings} warnings",
                result.pages.len(),
                result.pages.len()
            );
            let _ = out.flush();
        }
    }
    let failed = errors > 0 || !outcome.unknown_rules.is_empty();
    // Freeing the model and the findings is left to another thread, as after a build: at
    // 10,000 pages their millions of allocations took ~0.04 s at the end of the run (perf),
    // and the process exits right away.
    std::thread::spawn(move || drop((outcome, site)));
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// What `yasno check` checks: the whole site, or loose files with the site's settings (or
/// the defaults), and the name for the report.
type CheckInputs = (
    Option<yasno::site::Site>,
    Vec<yasno::check::site::FileInput>,
    yasno::site::Settings,
    String,
);

/// Loads the site, or reads the files given on the command line; mistakes are printed.
fn check_inputs(
    args: &CheckArgs,
    settings_path: &std::path::Path,
) -> Result<CheckInputs, ExitCode> {
    if args.paths.is_empty() {
        let opts = yasno::site::LoadOptions {
            drafts: true,
            base_url: None,
        };
        match yasno::site::Site::load(&args.root, &opts) {
            Ok(site) => {
                let (settings, name) = (site.settings.clone(), site.settings.name.clone());
                Ok((Some(site), Vec::new(), settings, name))
            }
            Err(d) => {
                d.emit_to_stderr();
                Err(ExitCode::FAILURE)
            }
        }
    } else {
        let settings = if settings_path.exists() {
            match yasno::site::load_settings(settings_path) {
                Ok(s) => Some(s),
                Err(d) => {
                    d.emit_to_stderr();
                    return Err(ExitCode::FAILURE);
                }
            }
        } else {
            None
        };
        let lang = settings
            .as_ref()
            .map_or("ru", |s| s.lang.as_str())
            .to_owned();
        let files = match loose_files(&args.paths, &lang) {
            Ok(files) => files,
            Err(d) => {
                d.emit_to_stderr();
                return Err(ExitCode::FAILURE);
            }
        };
        let name = settings
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default();
        Ok((None, files, settings.unwrap_or_else(default_settings), name))
    }
}

/// The Markdown files under `paths` (and any file named directly), read for `yasno check`.
fn loose_files(
    paths: &[PathBuf],
    lang: &str,
) -> Result<Vec<yasno::check::site::FileInput>, yasno::diagnostics::Diagnostics> {
    use yasno::check::site as cs;
    let mut files = Vec::new();
    for p in paths {
        for entry in walkdir::WalkDir::new(p).sort_by_file_name() {
            let path = match entry {
                Ok(e) if e.file_type().is_file() => e.into_path(),
                Ok(_) => continue,
                Err(e) => {
                    let d = yasno::diagnostics::Diagnostic::file_error(
                        "io",
                        p,
                        format!("не читается / cannot read: {e}"),
                    );
                    return Err(d.into());
                }
            };
            let explicit = path == *p;
            if !explicit && path.extension().is_none_or(|e| e != "md") {
                continue;
            }
            // The loader's reading: UTF-8 and the size and line limits.
            let text = yasno::site::read_text(&path)?;
            let lang = cs::lang_of(&path, lang);
            files.push(cs::FileInput::loose(path, text, lang));
        }
    }
    Ok(files)
}

/// Settings for loose files outside a site: only `[check]` matters, with its defaults.
fn default_settings() -> yasno::site::Settings {
    toml::from_str("name = \"\"\nbase_url = \"http://localhost\"\ncategories = []\n[contacts]\n")
        .expect("minimal settings parse")
}
