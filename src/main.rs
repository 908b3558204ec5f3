//! The `yasno` command line: parses arguments, calls the library, prints diagnostics.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// yasno: a plain-language public-service website from a folder of Markdown.
#[derive(Parser)]
#[command(name = "yasno", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    },
    /// Create a new site with settings, one sample service and the default theme.
    New {
        /// Folder to create (must be empty or absent).
        dir: PathBuf,
    },
    /// Run the survey collector (HTTP + SQLite) for the site.
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
        } => build(yasno::BuildOptions {
            root,
            output,
            base_url,
            drafts,
        }),
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

fn build(opts: yasno::BuildOptions) -> ExitCode {
    let out = opts.output_dir();
    match yasno::build(&opts) {
        Ok(report) => {
            report.warnings.emit_to_stderr();
            println!(
                "Готово: {} страниц, {} файлов в {} за {:.2} с / built {} pages, {} files in {:.2} s",
                report.pages,
                report.files,
                out.display(),
                report.elapsed.as_secs_f64(),
                report.pages,
                report.files,
                report.elapsed.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(yasno::BuildError::Content(d)) => {
            d.emit_to_stderr();
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
