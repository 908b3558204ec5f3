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

fn build(opts: yasno::BuildOptions) -> ExitCode {
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
            report.warnings.emit_to_stderr();
            let warnings = report.warnings.0.len();
            println!(
                "Готово: {} страниц, {} файлов в {} за {:.2} с, предупреждений: {} / built {} pages, {} files in {:.2} s, {} warnings",
                report.pages,
                report.files,
                out.display(),
                report.elapsed.as_secs_f64(),
                warnings,
                report.pages,
                report.files,
                report.elapsed.as_secs_f64(),
                warnings
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
