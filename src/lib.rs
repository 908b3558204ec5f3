//! yasno turns a folder of Markdown into an accessible, plain-language public-service website.
//!
//! The pipeline runs one way: [`site`] loads and validates content into a typed model,
//! [`render`] turns the model into files in memory, and [`output`] writes them atomically.
//! [`build`] is the thin orchestrator that calls them in order and owns no parsing itself.

pub mod cache;
pub mod check;
pub mod collect;
pub mod diagnostics;
pub mod handbook;
pub mod markdown;
pub mod output;
pub mod par;
pub mod qr;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod widget;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diagnostics::Diagnostics;
use render::{FileSink as _, OutputFile, Theme};
use site::{LoadOptions, Site};

/// Options of `yasno build`.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site folder.
    pub root: PathBuf,
    /// Where to write; `<root>/public` by default.
    pub output: Option<PathBuf>,
    /// Replaces the settings' base URL.
    pub base_url: Option<String>,
    /// Include drafts.
    pub drafts: bool,
    /// Fail when `yasno check` finds an error (otherwise its findings are warnings).
    pub strict: bool,
    /// Where to write the staff handbook (see [`BuildOptions::handbook_dir`]).
    pub handbook: Option<PathBuf>,
}

impl BuildOptions {
    /// The output folder.
    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("public"))
    }

    /// The staff handbook's folder: `--handbook`, else the settings' `handbook_dir` (relative
    /// to the site folder), else beside the output: `handbook/` beside `public/`, and
    /// `<name>-handbook/` beside any other output folder (two builds into two folders never
    /// share one handbook).
    pub fn handbook_dir(&self, settings: &site::Settings) -> PathBuf {
        if let Some(dir) = &self.handbook {
            return dir.clone();
        }
        if let Some(rel) = &settings.handbook_dir {
            return self.root.join(rel);
        }
        let out = self.output_dir();
        let name = out
            .file_name()
            .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
        let sibling = if name == "public" {
            "handbook".to_owned()
        } else {
            format!("{name}-handbook")
        };
        out.parent().unwrap_or(&self.root).join(sibling)
    }

    /// How `Site::load` reads content under these options (also used by `yasno serve`).
    pub(crate) fn load_options(&self) -> LoadOptions {
        LoadOptions {
            drafts: self.drafts,
            base_url: self.base_url.clone(),
        }
    }
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    /// Number of HTML pages.
    pub pages: usize,
    /// Number of files in the output.
    pub files: usize,
    /// How many of them were unchanged since the previous build (kept or linked, not written).
    pub unchanged: usize,
    /// How many service pages were made from the same inputs as the previous build's and
    /// kept without being rendered ([`render::reuse`]).
    pub reused: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Non-fatal findings (the check's packed: see [`check::packed`]).
    pub warnings: check::packed::BuildWarnings,
    /// Where the staff handbook was written.
    pub handbook: PathBuf,
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Mistakes in content, settings or templates.
    #[error("{0}")]
    Content(Diagnostics),
    /// The output could not be written.
    #[error(transparent)]
    Output(#[from] output::OutputError),
}

impl From<Diagnostics> for BuildError {
    fn from(d: Diagnostics) -> Self {
        BuildError::Content(d)
    }
}

/// Where a build puts rendered files: the staging folder, counting pages and files.
struct BuildSink<'a> {
    staging: &'a output::Staging,
    out: PathBuf,
    pages: AtomicUsize,
    files: AtomicUsize,
    /// Pages kept without rendering.
    reused: AtomicUsize,
    /// Every file's path in the output, for the link check.
    paths: std::sync::Mutex<Vec<String>>,
    /// The ids of each HTML page written whole, by path, for the link check.
    ids: std::sync::Mutex<std::collections::HashMap<String, render::links::PageIds>>,
}

impl BuildSink<'_> {
    fn io(&self, e: output::OutputError) -> diagnostics::Diagnostic {
        diagnostics::Diagnostic::file_error("io", &self.out, e.to_string())
    }

    fn count(&self, path: &str) {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.paths
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path.to_owned());
        if path.ends_with(".html") {
            self.pages.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Notes the ids of the HTML page at `path`, for the link check.
    fn keep_ids(&self, path: String, ids: render::links::PageIds) {
        (self.ids.lock().unwrap_or_else(|e| e.into_inner())).insert(path, ids);
    }
}

impl render::FileSink for BuildSink<'_> {
    fn put(&self, f: OutputFile) -> Result<(), diagnostics::Diagnostic> {
        self.staging.write(&f).map_err(|e| self.io(e))?;
        self.count(&f.path);
        if f.path.ends_with(".html") {
            let ids = render::links::html_ids(&f.bytes);
            self.keep_ids(f.path, ids);
        }
        Ok(())
    }

    fn reuse_page(
        &self,
        path: &str,
        source: u128,
        ids: Option<&render::links::PageIds>,
    ) -> Result<bool, diagnostics::Diagnostic> {
        if !(self.staging.reuse_derived(path, source)).map_err(|e| self.io(e))? {
            return Ok(false);
        }
        self.count(path);
        if let Some(ids) = ids {
            self.keep_ids(path.to_owned(), ids.clone());
        }
        self.reused.fetch_add(1, Ordering::Relaxed);
        Ok(true)
    }

    fn put_page(
        &self,
        f: OutputFile,
        source: u128,
        ids: Option<&render::links::PageIds>,
    ) -> Result<(), diagnostics::Diagnostic> {
        (self.staging.write_derived(&f, source)).map_err(|e| self.io(e))?;
        self.count(&f.path);
        if let Some(ids) = ids {
            self.keep_ids(f.path, ids.clone());
        }
        Ok(())
    }

    fn put_derived(
        &self,
        path: String,
        source: u128,
        make: &mut dyn FnMut() -> Result<Vec<u8>, diagnostics::Diagnostic>,
    ) -> Result<(), diagnostics::Diagnostic> {
        if !self
            .staging
            .reuse_derived(&path, source)
            .map_err(|e| self.io(e))?
        {
            let f = OutputFile {
                bytes: make()?,
                path,
            };
            self.staging
                .write_derived(&f, source)
                .map_err(|e| self.io(e))?;
            self.count(&f.path);
            return Ok(());
        }
        self.count(&path);
        Ok(())
    }

    fn put_pieces(
        &self,
        path: String,
        source: u128,
        fill: &mut render::PieceFill<'_>,
    ) -> Result<(), diagnostics::Diagnostic> {
        let mut file = self.staging.create_pieces(&path).map_err(|e| self.io(e))?;
        fill(&mut |piece| file.write(piece).map_err(|e| self.io(e)))?;
        (self.staging.finish_pieces(file, source)).map_err(|e| self.io(e))?;
        self.count(&path);
        Ok(())
    }
}

/// Loads the site and its theme.
pub fn load(opts: &BuildOptions) -> Result<(Site, Theme), Diagnostics> {
    let site = Site::load(&opts.root, &opts.load_options())?;
    let theme = load_theme(&site)?;
    Ok((site, theme))
}

/// Loads the theme that `site`'s settings name, with the site's settings as its `site`
/// global; `yasno serve` calls it again when a template changes.
pub fn load_theme(site: &Site) -> Result<Theme, Diagnostics> {
    let mut theme = Theme::load(&site.root, &site.settings.theme, &site.settings.lang)?;
    // A page in a language without a table would show another language's interface.
    let missing: Vec<&String> = (site.langs.iter())
        .filter(|l| !theme.languages().any(|t| t == l.as_str()))
        .collect();
    if let Some(lang) = missing.first() {
        return Err(diagnostics::Diagnostic::file_error(
            "theme",
            &site.root.join("themes").join(&site.settings.theme).join("i18n"),
            format!("у темы нет строк для языка «{lang}», а на сайте есть перевод на него / the theme has no interface table for `{lang}`, which the site has translations in"),
        )
        .with_help(format!("добавьте i18n/{lang}.toml со всеми строками ru.toml / add i18n/{lang}.toml with every key of ru.toml"))
        .into());
    }
    theme.set_global("site", &render::views::SiteView::new(&site.settings));
    Ok(theme)
}

/// Renders every file of the site in memory.
pub fn render_files(site: &Site, theme: &Theme) -> Result<Vec<OutputFile>, Diagnostics> {
    render::render_site(site, theme)
}

/// A stage of a build, for a progress display; the library itself prints nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildStage {
    /// Reading and checking content, settings and the theme.
    Loading,
    /// Rendering this many pages.
    Rendering {
        /// Number of pages.
        pages: usize,
    },
    /// Writing this many files.
    Writing {
        /// Number of files.
        files: usize,
    },
}

/// `yasno check` over the loaded site, as build diagnostics: warnings, or errors under
/// `strict` where the rule says error. Cached by content, so unchanged pages are not checked
/// again.
fn check_for_build(site: &Site, strict: bool) -> check::packed::BuildWarnings {
    let opts = check::CheckOptions {
        today: check::today(),
        cache: Some(check::run::cache_path(&site.root)),
    };
    // The findings are packed batch by batch as the check goes, never all held at full size.
    let mut warnings = check::packed::BuildWarnings::new(strict);
    check::run::run_as_rows(check::Target::Site(site), &opts, &mut |c| {
        warnings.take_findings(c)
    });
    warnings.finish();
    warnings
}

/// Renders every page and the QR pages into `sink`, reporting the mistakes of both; returns
/// the pages' links into the site, for [`render::links::check`].
fn render_into(
    site: &Site,
    theme: &Theme,
    memo: &render::reuse::PageMemo,
    sink: &BuildSink<'_>,
) -> Result<(Vec<render::links::PageLinks>, render::reuse::PageMemo), Diagnostics> {
    let renderer = (render::Renderer::new(site, theme).collecting_links()).reusing(memo);
    let (pages, qr) = rayon::join(
        || renderer.render_each(sink),
        || {
            // Encoded QR codes are cached by URL: an unchanged URL is not encoded again. The
            // cache keeps exactly the codes this build used.
            let cache_path = qr::cache_path(&site.root);
            let cache = qr::QrCache::load(&cache_path);
            let (files, used, encoded) =
                renderer.render_qr_pages_cached(&cache, Some(sink as &dyn render::FileSink))?;
            if encoded > 0 || used.len() != cache.len() {
                let _ = used.save(&cache_path);
            }
            Ok(files)
        },
    );
    // Every mistake of both steps is reported, not only the first step's.
    match (pages, qr) {
        (Ok(()), Ok(files)) => files
            .into_iter()
            .try_for_each(|f| sink.put(f))
            .map(|()| (renderer.take_links(), renderer.take_memo()))
            .map_err(Diagnostics::from),
        (Err(d), Ok(_)) | (Ok(()), Err(d)) => Err(d),
        (Err(mut d), Err(more)) => {
            d.0.extend(more.0);
            Err(d)
        }
    }
}

/// Builds the site: load, render, write atomically. Pages are written as they are
/// rendered, into a staging folder that replaces the output only when all succeeded.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    build_observed(opts, &mut |_| {})
}

/// Like [`build`], telling `on_stage` when each stage starts (the CLI shows progress).
pub fn build_observed(
    opts: &BuildOptions,
    on_stage: &mut dyn FnMut(BuildStage),
) -> Result<BuildReport, BuildError> {
    let start = Instant::now();
    on_stage(BuildStage::Loading);
    // The staging folder is prepared (the previous output's manifest read, the spare
    // checked) while the site loads. Files the previous builds left unchanged are kept or
    // linked, not written again (src/output.rs).
    let manifest_path = cache::path(&opts.root, "output.bin");
    let memo_path = cache::path(&opts.root, "pages.bin");
    let out = opts.output_dir();
    let (loaded, (staging, old_landings, memo)) = rayon::join(
        || load(opts),
        || {
            let manifest = output::Manifest::load(&manifest_path, &out);
            // QR landing pages of the previous build: printed posters point at them.
            let landings = render::aliases::landing_files(manifest.paths());
            let memo = render::reuse::PageMemo::load(&memo_path);
            (
                output::Staging::with_previous(&out, manifest),
                landings,
                memo,
            )
        },
    );
    let (site, theme) = loaded?;
    let staging = staging?;
    on_stage(BuildStage::Rendering {
        // HTML pages, as in the summary line (the sitemap and robots.txt are not pages).
        pages: render::pages(&site)
            .iter()
            .filter(|p| !matches!(p, render::Page::Sitemap | render::Page::Robots))
            .count(),
    });
    let sink = BuildSink {
        staging: &staging,
        out,
        pages: AtomicUsize::new(0),
        files: AtomicUsize::new(0),
        reused: AtomicUsize::new(0),
        paths: std::sync::Mutex::default(),
        ids: std::sync::Mutex::default(),
    };
    // Checking and rendering read the same model and do not depend on each other: run them
    // side by side. The handbook comes after them: rendered beside them it saved ~0.05 s at
    // 10,000 services but raised the cold build's peak memory by 10-15 MB, to ~300 MB.
    let (warnings, rendered) = rayon::join(
        || check_for_build(&site, opts.strict),
        || render_into(&site, &theme, &memo, &sink),
    );
    if warnings.has_errors() {
        // Dropping the staging folder deletes it: the previous output stays.
        return Err(BuildError::Content(warnings.into_diagnostics()));
    }
    let (links, new_memo) = rendered?;
    // The handbook is made while the site's links are checked: each of the two has steps
    // that run on one core.
    let (handbook, checked) = rayon::join(
        || handbook_staged(opts, &site, &theme),
        || -> Result<_, BuildError> {
            for f in render::static_files(&site, &theme) {
                staging.write(&f)?;
                sink.count(&f.path);
            }
            let paths = std::mem::take(&mut *sink.paths.lock().unwrap_or_else(|e| e.into_inner()));
            let ids = std::mem::take(&mut *sink.ids.lock().unwrap_or_else(|e| e.into_inner()));
            let broken = render::links::check(
                &links,
                paths.iter().map(String::as_str),
                &ids,
                &site.settings.base_url,
            );
            let lost = render::aliases::lost_landings(&site, &old_landings, &paths);
            Ok((paths, ids, broken, lost))
        },
    );
    let (handbook_dir, handbook) = handbook?;
    let (paths, ids, broken, lost) = checked?;
    if broken.has_errors() {
        return Err(BuildError::Content(broken));
    }
    let mut warnings = warnings;
    warnings.extend(lost);
    let (pages, files) = (sink.pages.into_inner(), sink.files.into_inner());
    let reused = sink.reused.into_inner();
    on_stage(BuildStage::Writing { files });
    let (manifest, committed) = staging.commit()?;
    let (_, handbook_manifest) = rayon::join(
        || {
            let _ = manifest.save(&manifest_path);
            // Saved after the output it describes: a memo never names pages the output
            // lacks. The one read at the start is the file as it is: when nothing changed,
            // it stays (at 10,000 services it is ~13 MB).
            if new_memo != memo {
                let _ = new_memo.save(&memo_path);
            }
        },
        || -> Result<_, BuildError> {
            let (handbook_manifest, _) = handbook.commit()?;
            // A manifest that cannot be saved only costs speed next time.
            let _ = handbook_manifest.save(&handbook_manifest_path(opts));
            Ok(handbook_manifest)
        },
    );
    let handbook_manifest = handbook_manifest?;
    // The JSON manifests of earlier versions (megabytes at 10,000 services).
    for old in ["output.json", "handbook-output.json"] {
        let _ = std::fs::remove_file(cache::path(&opts.root, old));
    }
    let elapsed = start.elapsed();
    // Freeing the model and the link tables is left to another thread: at 10,000 services
    // their millions of small allocations take ~0.2 s to free, and a CLI exits right after
    // anyway (printing its summary meanwhile).
    std::thread::spawn(move || {
        drop((site, theme, links, paths, ids, manifest, handbook_manifest));
        drop((memo, new_memo));
    });
    Ok(BuildReport {
        pages,
        files,
        unchanged: committed.unchanged(),
        reused,
        elapsed,
        warnings,
        handbook: handbook_dir,
    })
}

/// The staff handbook's folder, and its files staged beside it (written as they are
/// rendered, not held in memory). Staged before anything is committed, so a mistake in it
/// leaves both folders as they were; swapped in after the site, into its own folder.
fn handbook_staged(
    opts: &BuildOptions,
    site: &Site,
    theme: &Theme,
) -> Result<(PathBuf, output::Staging), BuildError> {
    let dir = opts.handbook_dir(&site.settings);
    check_handbook_dir(&dir, &opts.output_dir(), site, opts.handbook.is_none())?;
    // Pages unchanged since the last build are kept or linked, not written again: at
    // 10,000 services the handbook has as many pages as the site has service pages.
    let previous = output::Manifest::load(&handbook_manifest_path(opts), &dir);
    let staging = output::Staging::with_previous(&dir, previous)?;
    render::handbook::render_handbook_into(site, theme, check::today(), &|f| {
        (staging.write(&f))
            .map_err(|e| diagnostics::Diagnostic::file_error("io", &dir, e.to_string()).into())
    })?;
    Ok((dir, staging))
}

/// Where the handbook folder's manifest is kept (the site's is `output.bin`).
fn handbook_manifest_path(opts: &BuildOptions) -> PathBuf {
    cache::path(&opts.root, "handbook-output.bin")
}

/// The handbook is for staff only: its folder may neither be nor hold nor sit inside the
/// public output, or the web server would publish it. `from_settings`: the folder comes from
/// `handbook_dir` in the settings, which the error then points at.
fn check_handbook_dir(
    handbook: &std::path::Path,
    public: &std::path::Path,
    site: &Site,
    from_settings: bool,
) -> Result<(), BuildError> {
    let abs = |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    let (h, p) = (abs(handbook), abs(public));
    if !(h.starts_with(&p) || p.starts_with(&h)) {
        return Ok(());
    }
    let message = format!(
        "папка справочника сотрудника {} совпадает с папкой сайта {} или лежит в ней: справочник попал бы в открытый доступ / the staff handbook folder {} is or overlaps the public output {}",
        h.display(),
        p.display(),
        h.display(),
        p.display()
    );
    let file = &site.settings_file;
    let span = file.spans.at("handbook_dir");
    let d = if from_settings && site.settings.handbook_dir.is_some() {
        diagnostics::Diagnostic::error("handbook-dir", &file.path, &file.source, span, message)
            .with_label("поле `handbook_dir` / the `handbook_dir` field")
    } else {
        diagnostics::Diagnostic::file_error("handbook-dir", &file.path, message)
    };
    let d = d.with_help("укажите другую папку: handbook_dir = \"handbook\" в content/site.toml или --handbook ПАПКА / choose another folder with handbook_dir or --handbook");
    Err(BuildError::Content(d.into()))
}
