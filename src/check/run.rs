//! The one entry point of `yasno check` for its callers (the build, the CLI): [`run`] takes
//! a loaded site (or loose files) and the run's options, and owns everything else the check
//! needs: the rules' lookup tables, the production calendar and the cache on disk.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;

use super::site::{FileInput, SiteCheck, check_into, site_inputs};
use super::{Calendar, CheckCache, CheckConfig, Finding, Rules, Severity, unknown_rules};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::site::Site;

/// What to check.
#[derive(Debug)]
pub enum Target<'a> {
    /// A loaded site: its services, pages and settings file, with its `[check]` settings.
    Site(&'a Site),
    /// Loose files, with the given settings.
    Files {
        /// The files.
        files: Vec<FileInput>,
        /// The `[check]` settings to apply.
        config: &'a CheckConfig,
        /// The site's folder when the files are a site's: their cache entries are the ones a
        /// run over the whole site uses (keyed by the path inside it).
        root: Option<&'a Path>,
    },
}

/// Options of one check run.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The date freshness is measured against.
    pub today: Date,
    /// Where to read and write the cache; `None` for no cache.
    pub cache: Option<PathBuf>,
}

/// What one check run found.
#[derive(Debug)]
pub struct CheckOutcome {
    /// Findings, report rows and file texts.
    pub check: SiteCheck,
    /// Rule ids in `[check.rules]` that do not exist, as messages.
    pub unknown_rules: Vec<String>,
    /// Why the cache could not be written, if it could not (it only costs speed next time).
    pub cache_error: Option<std::io::Error>,
}

/// Checks a site or loose files: builds the rules and the calendar from the settings, reads
/// the cache, checks (in parallel) and writes the cache back.
pub fn run(target: Target<'_>, opts: &CheckOptions) -> CheckOutcome {
    run_with(target, opts, &mut |_| {})
}

/// [`run`], calling `drain` with the results so far after each batch of pages and once at
/// the end (see [`super::site::check_files_with`]): what it moves out of the [`SiteCheck`] is not in the
/// outcome.
pub fn run_with(
    target: Target<'_>,
    opts: &CheckOptions,
    drain: &mut dyn FnMut(&mut SiteCheck),
) -> CheckOutcome {
    run_in(target, opts, false, drain)
}

/// [`run_with`] keeping the findings as rows: no [`Finding`] is made of them. `drain` may
/// take them with [`super::packed::BuildWarnings::take_findings`] (the build's way); those
/// it leaves are the outcome's, printed by [`super::print`] (`yasno check`'s way). The
/// site-wide rules' findings are made rows too, in their place.
pub fn run_as_rows(
    target: Target<'_>,
    opts: &CheckOptions,
    drain: &mut dyn FnMut(&mut SiteCheck),
) -> CheckOutcome {
    run_in(target, opts, true, drain)
}

fn run_in(
    target: Target<'_>,
    opts: &CheckOptions,
    as_rows: bool,
    drain: &mut dyn FnMut(&mut SiteCheck),
) -> CheckOutcome {
    let cfg = match &target {
        Target::Site(site) => &site.settings.check,
        Target::Files { config, .. } => *config,
    };
    let rules = Rules::new(cfg);
    let calendar = Calendar::russia().extended(&cfg.calendar);
    let (root, whole_site) = match &target {
        Target::Site(site) => (Some(site.root.as_path()), true),
        Target::Files { root, .. } => (*root, false),
    };
    let mut cache = (opts.cache.as_deref()).map(|p| {
        let cache = load_cache(p, cfg);
        match root {
            Some(root) => cache.under(root),
            None => cache,
        }
    });
    let (inputs, site) = match target {
        Target::Site(site) => (site_inputs(site), Some(site)),
        Target::Files { files, .. } => (files, None),
    };
    let mut check = check_into(
        as_rows,
        inputs,
        &rules,
        &calendar,
        opts.today,
        cache.as_mut(),
        drain,
    );
    // A run over the whole site looked up every file it has: the rest is gone.
    if let Some(cache) = cache.as_mut().filter(|_| whole_site) {
        cache.forget_unused();
    }
    if let Some(site) = site {
        // The handbook's structure and coverage depend on the whole site, not one file's
        // text, so they are not cached; they are cheap.
        let mut more = super::staff::check(site, cfg, &rules.texts);
        // Translations are compared with their sources on every run (never cached: the
        // source is another file).
        more.extend(super::translations::findings(site, cfg));
        add_findings(&mut check, site, more);
        drain(&mut check);
    }
    let cache_error = opts
        .cache
        .as_deref()
        .zip(cache.as_ref())
        .and_then(|(path, c)| save_cache(path, c).err());
    CheckOutcome {
        check,
        unknown_rules: unknown_rules(cfg),
        cache_error,
    }
}

/// Adds findings made outside the per-file check (site-wide rules, the answer store's
/// `decision-missing`) to `check`: their files' texts for rendering, and the order by file
/// and position that the output expects (as rows in a run that keeps rows).
pub fn add_findings(check: &mut SiteCheck, site: &Site, more: Vec<Finding>) {
    if more.is_empty() {
        return;
    }
    for f in &more {
        if !check.has_source(&f.file)
            && let Some(s) = site_source(site, &f.file)
        {
            check.sources.insert(f.file.to_path_buf(), s);
        }
    }
    if check.keeps_rows {
        check.add_rows(more);
        return;
    }
    check.findings.extend(more);
    check.findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule).cmp(&(&b.file, b.line, b.column, b.rule))
    });
}

/// The text of a service or page file of `site`.
fn site_source(site: &Site, file: &Path) -> Option<Arc<str>> {
    let service = site.services.iter().find(|s| s.source_path == file);
    service.and_then(|s| s.text().ok()).or_else(|| {
        let page = site.pages.iter().find(|p| p.source_path == file);
        page.map(|p| p.source.clone())
    })
}

/// Where a site keeps its check cache: `<root>/.yasno-cache/check.bin`.
pub fn cache_path(root: &Path) -> PathBuf {
    crate::cache::path(root, "check.bin")
}

/// The first bytes of a check cache file, so a file of another kind is never decoded as one.
const CACHE_MAGIC: &[u8] = b"yasno-check-cache 2\n";

/// Reads the cache (an empty one when missing, unreadable, damaged or made for other
/// settings).
pub fn load_cache(path: &Path, cfg: &CheckConfig) -> CheckCache {
    std::fs::read(path)
        .ok()
        .and_then(|b| postcard::from_bytes::<CheckCache>(b.strip_prefix(CACHE_MAGIC)?).ok())
        .map_or_else(|| CheckCache::new(cfg), |c| c.validate(cfg))
}

/// Writes the cache; a failure only costs speed next time, so it is returned, not fatal.
/// A cache with nothing new is not written again. The JSON cache of earlier versions
/// (`check.json`, tens of MB on a legacy site) is removed beside it.
pub fn save_cache(path: &Path, cache: &CheckCache) -> std::io::Result<()> {
    if !cache.changed() && path.is_file() {
        return Ok(());
    }
    crate::cache::save_with(path, &mut |w| {
        w.write_all(CACHE_MAGIC)?;
        postcard::to_io(cache, w)
            .map(|_| ())
            .map_err(std::io::Error::other)
    })?;
    if path.file_name() == Some("check.bin".as_ref()) {
        let _ = std::fs::remove_file(path.with_file_name("check.json"));
    }
    Ok(())
}

/// Today's date on this machine.
pub fn today() -> Date {
    jiff::ZonedDateTime::now().date()
}

/// A finding as one of the build's diagnostics (a warning, or an error under `--strict`).
pub fn to_build_diagnostic(f: &Finding, source: &Arc<str>, as_error: bool) -> Diagnostic {
    build_diagnostic(f, source, as_error, help_text(f))
}

/// The hint of a finding's diagnostic: the suggestion and why, or why.
pub(super) fn help_text(f: &Finding) -> Arc<str> {
    hint(f.suggestion.as_deref(), &f.why)
}

/// A hint made of a suggestion (if any) and why: "suggestion (why)", or why.
pub(super) fn hint(suggestion: Option<&str>, why: &Arc<str>) -> Arc<str> {
    match suggestion {
        Some(s) => Arc::from(format!("{s} ({why})")),
        None => why.clone(),
    }
}

fn build_diagnostic(f: &Finding, source: &Arc<str>, as_error: bool, help: Arc<str>) -> Diagnostic {
    let (span, message) = (f.span.clone(), f.message.clone());
    finding_diagnostic(
        rule_code(f.rule),
        f.file.clone(),
        source,
        span,
        message,
        help,
        as_error,
    )
}

/// The diagnostic code of a rule: its id, or "check" for an id the check does not know.
pub(super) fn rule_code(rule: &str) -> &'static str {
    (super::RULES.iter())
        .find(|(id, _)| *id == rule)
        .map_or("check", |(id, _)| id)
}

/// A finding's build diagnostic made of its parts: a warning, or an error when `as_error`.
/// Made here from a [`Finding`], and by [`super::packed`] from its packed rows.
pub(super) fn finding_diagnostic(
    code: &'static str,
    file: Arc<Path>,
    source: &Arc<str>,
    span: Range<usize>,
    message: Arc<str>,
    help: Arc<str>,
    as_error: bool,
) -> Diagnostic {
    let mut d = Diagnostic::at(code, file, source, span, message);
    if !as_error {
        d.severity = crate::diagnostics::Severity::Warning;
    }
    d.help = Some(help);
    d
}

/// Findings as build diagnostics: warnings, or (with `strict`) errors where the rule's
/// severity is error. Consumes the check, so its findings and the diagnostics are not held
/// at the same time, and formats nothing per finding: files, messages and hints are shared
/// (a legacy site has hundreds of thousands of findings and a few hundred distinct texts).
pub fn build_diagnostics(check: SiteCheck, strict: bool) -> Diagnostics {
    let mut findings = check.findings;
    let mut d = Diagnostics(Vec::with_capacity(findings.len()));
    // Hints by (suggestion, why) texts, compared by address: the texts are interned.
    let mut helps: HashMap<(usize, usize), Arc<str>> = HashMap::new();
    let empty: Arc<str> = Arc::from("");
    let mut source = (None::<Arc<Path>>, empty.clone());
    // Taken from the end, the findings' memory is given back as the diagnostics grow, so
    // the two lists (about 90 MB each on a 10,000-page legacy site) are not both held.
    while let Some(f) = findings.pop() {
        if findings.len().is_multiple_of(1 << 16) {
            findings.shrink_to_fit();
        }
        if source.0.as_ref() != Some(&f.file) {
            let text = check.sources.get(&*f.file).cloned();
            source = (Some(f.file.clone()), text.unwrap_or_else(|| empty.clone()));
        }
        let addr = |t: &Arc<str>| Arc::as_ptr(t).cast::<u8>() as usize;
        let id = (f.suggestion.as_ref().map_or(0, addr), addr(&f.why));
        let help = helps.entry(id).or_insert_with(|| help_text(&f)).clone();
        let as_error = strict && f.severity == Severity::Error;
        d.push(build_diagnostic(&f, &source.1, as_error, help));
    }
    d.0.reverse();
    d
}
