//! Reading a site's files: settings, surveys, services and plain pages, each read, split at
//! its fences, parsed into the typed model with the positions of its values, and checked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use yasno_survey_core::Survey;

use super::frontmatter::{self, Format};
use super::service::{self, is_page_slug};
use super::spans::FileAt;
use super::translation;
use super::{
    ContentPage, FRONT_MATTER_KEYS, FrontMatter, LoadOptions, PageMeta, REQUIRED_KEYS, Service,
    Settings, SourceFile,
};
use crate::diagnostics::{Diagnostic, Diagnostics};

/// Reads a content file as UTF-8 text within the [`limits`](super::limits).
pub fn read_text(path: &Path) -> Result<Arc<str>, Diagnostic> {
    let text = read_utf8(path)?;
    super::limits::lines(path, &text)?;
    Ok(text)
}

fn read_utf8(path: &Path) -> Result<Arc<str>, Diagnostic> {
    let cannot = |e: std::io::Error| {
        Diagnostic::file_error(
            "io",
            path,
            format!("не удалось прочитать файл / cannot read the file: {e}"),
        )
    };
    // One open, its size from the open file: a service's file is read up to four times a
    // build (load, check, render, messages), and each path lookup walks its folders again.
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let size = file.metadata().map(|m| m.len()).ok();
    if let Some(size) = size {
        super::limits::file_size(path, size)?;
    }
    // The bytes go to a buffer kept by the thread and are copied once into the text: a
    // fresh buffer per file (malloc, page faults, free) was a third of printing every
    // message of a legacy site, where each file is read again for its excerpts.
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|bytes| {
        bytes.clear();
        bytes.reserve(size.map_or(0, |n| n as usize));
        // Through `take`: std's `read_to_end` on a file asks its size again (two more
        // system calls per read, 30,000 reads a build at 10,000 pages). The bound also
        // refuses a file that grew past the limit after its size was taken.
        let limit = super::limits::MAX_FILE_BYTES + 1;
        let read = std::io::Read::read_to_end(&mut std::io::Read::take(&mut file, limit), bytes);
        let text = match read {
            Err(e) => Err(cannot(e)),
            Ok(n) => super::limits::file_size(path, n as u64).and_then(|()| utf8(path, bytes)),
        };
        // A buffer grown by a rare large file is not kept.
        if bytes.capacity() > KEPT_BUFFER {
            *bytes = Vec::new();
        }
        text
    })
}

/// The largest read buffer a thread keeps between files.
const KEPT_BUFFER: usize = 1 << 20;

/// `bytes` as text, or the error that shows the first byte that is not UTF-8.
fn utf8(path: &Path, bytes: &[u8]) -> Result<Arc<str>, Diagnostic> {
    // simdutf8: std's check was 5 % of a build at 10,000 pages (Cyrillic takes its slow path).
    match simdutf8::compat::from_utf8(bytes) {
        Ok(text) => Ok(Arc::from(text)),
        Err(e) => {
            // Everything before the bad byte is intact in the lossy copy, so the offset holds.
            let at = e.valid_up_to();
            let shown: Arc<str> = Arc::from(String::from_utf8_lossy(bytes).as_ref());
            Err(Diagnostic::error(
                "encoding",
                path,
                &shown,
                at..at + '\u{FFFD}'.len_utf8(),
                "файл не в кодировке UTF-8 / the file is not UTF-8 text",
            )
            .with_label("этот знак не UTF-8 / not UTF-8")
            .with_help("сохраните файл в кодировке UTF-8 (в Блокноте: «Сохранить как» → «Кодировка: UTF-8») / save the file as UTF-8"))
        }
    }
}

/// Files with one of `exts` directly or deeper under `dir`, sorted for stable output.
pub(super) fn files_under(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

/// Loads `content/site.toml`.
pub fn load_settings(path: &Path) -> Result<Settings, Diagnostics> {
    load_settings_file(path).map(|(s, _)| s)
}

/// Loads `content/site.toml`, keeping its text and the positions of its values.
pub(super) fn load_settings_file(path: &Path) -> Result<(Settings, SourceFile), Diagnostics> {
    let source = read_text(path)?;
    let (settings, spans): (Settings, _) =
        frontmatter::parse_spanned(path, &source, Format::Toml, 0..source.len())?;
    let at = FileAt {
        path,
        source: &source,
        spans: &spans,
    };
    let diags = settings.check(&at);
    if diags.has_errors() {
        return Err(diags);
    }
    let file = SourceFile {
        path: path.to_owned(),
        source,
        spans: Arc::new(spans),
    };
    Ok((settings, file))
}

/// The survey of a site without `content/surveys/default.toml`, made once for all its services.
static BUILT_IN_SURVEY: std::sync::LazyLock<Arc<Survey>> = std::sync::LazyLock::new(|| {
    let mut s = yasno_survey_core::default_survey();
    s.questions.iter_mut().for_each(|q| q.normalize());
    Arc::new(s)
});

/// Loads every survey definition in `dir`.
pub(super) fn load_surveys(dir: &Path, diags: &mut Diagnostics) -> BTreeMap<String, Arc<Survey>> {
    let mut surveys = BTreeMap::new();
    for path in files_under(dir, &["toml", "yaml", "yml"]) {
        let source = match read_text(&path) {
            Ok(s) => s,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let format = if path.extension().is_some_and(|e| e == "toml") {
            Format::Toml
        } else {
            Format::Yaml
        };
        let (mut survey, spans): (Survey, _) =
            match frontmatter::parse_spanned(&path, &source, format, 0..source.len()) {
                Ok(s) => s,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
        for q in &mut survey.questions {
            q.normalize();
        }
        let problems = survey.check_definition();
        for p in &problems {
            diags.push(
                Diagnostic::error(
                    "survey",
                    &path,
                    &source,
                    spans.at(&p.field),
                    format!("опрос, поле `{}`: {}", p.field, p.message),
                )
                .with_label(p.field.clone()),
            );
        }
        if problems.is_empty() {
            surveys.insert(survey.id.clone(), Arc::new(survey));
        }
    }
    surveys
}

/// Loads a plain page, or a page's translation (`accessibility.en.md`, text only: the
/// caller fills in its source's date with [`finish_page`]).
pub(super) fn load_page(path: &Path, settings: &Settings) -> Result<ContentPage, Diagnostics> {
    let source = read_text(path)?;
    let split = frontmatter::split(path, &source)?;
    let (slug, lang) = translation::split_lang(path);
    let lang = lang.unwrap_or_else(|| settings.lang.clone());
    if !is_page_slug(&slug) {
        return Err(Diagnostic::file_error(
            "invalid-slug",
            path,
            format!("имя файла «{slug}» не подходит или занято / `{slug}` is not a valid or free page name"),
        )
        .with_help("латинские строчные буквы и дефис, например accessibility.md / lowercase latin letters and hyphens")
        .into());
    }
    let (meta, spans, info) = if lang == settings.lang {
        let (meta, spans): (PageMeta, _) =
            frontmatter::parse_spanned(path, &source, split.format, split.front.clone())?;
        (meta, spans, None)
    } else {
        let src_name = format!("{slug}.md");
        let (text, spans): (translation::PageText, _) =
            translation::parse_text(path, &source, &split, translation::Kind::Page, &src_name)?;
        let meta = PageMeta {
            title: text.title,
            summary: text.summary,
            updated: None,
        };
        let info = translation::TranslationInfo {
            text: None,
            translated_from: text.translated_from,
            reviewed: text.reviewed,
            source_path: path.with_file_name(src_name),
        };
        (meta, spans, Some(Arc::new(info)))
    };
    Ok(ContentPage {
        slug,
        source_path: path.to_owned(),
        body_offset: split.body_offset,
        source,
        spans: Arc::new(spans),
        meta,
        lang,
        translation: info,
    })
}

/// A service file as loaded: a source, or a translation waiting for its source.
pub(super) enum Loaded {
    /// A service in the site's language.
    Source(Service),
    /// A translation, with its source's facts still to come ([`finish_translation`]).
    Translation(Service),
}

/// Reads, parses and checks one service file; `None` for a draft when drafts are left out.
pub(super) fn load_service(
    path: &Path,
    settings: &Settings,
    surveys: &BTreeMap<String, Arc<Survey>>,
    opts: &LoadOptions,
) -> Result<Option<Loaded>, Diagnostics> {
    let (file_slug, lang) = translation::split_lang(path);
    if let Some(lang) = lang.filter(|l| *l != settings.lang) {
        return load_translation(path, file_slug, lang).map(|t| Some(Loaded::Translation(t)));
    }
    let source = read_text(path)?;
    let split = frontmatter::split(path, &source)?;
    let keys = frontmatter::Keys {
        known: FRONT_MATTER_KEYS,
        required: REQUIRED_KEYS,
    };
    let (meta, spans): (FrontMatter, _) =
        frontmatter::parse_checked(path, &source, split.format, split.front, Some(keys))?;
    if meta.draft && !opts.drafts {
        return Ok(None);
    }
    let slug = meta.slug.clone().unwrap_or(file_slug);
    let at = FileAt {
        path,
        source: &source,
        spans: &spans,
    };
    let default = surveys.get("default").unwrap_or(&BUILT_IN_SURVEY);
    let mut diags = Diagnostics::default();
    diags.0.extend(service::check_slug(&at, &meta, &slug));
    diags.0.extend(service::check_aliases(&at, &meta, &slug));
    diags
        .0
        .extend(service::check_category(&at, &meta, settings));
    let survey = service::resolve_survey(&at, &meta, surveys, default)
        .map_err(|d| diags.push(d))
        .unwrap_or(None);
    diags.0.extend(service::check_links(&at, &meta));
    diags.0.extend(service::check_refusal_grounds(&at, &meta));
    if diags.has_errors() {
        return Err(diags);
    }
    let body_line = crate::diagnostics::line_col(&source, split.body_offset).0;
    Ok(Some(Loaded::Source(Service {
        slug,
        lang: settings.lang.clone(),
        source_path: path.to_owned(),
        contacts: meta.contacts.apply_to(&settings.contacts),
        reception: meta.reception.apply_to(&settings.reception),
        survey,
        refusal_grounds: meta.refusal_grounds.clone(),
        body_offset: split.body_offset,
        body_line,
        // Only its length and hash: the text is read again when needed (see SourceText).
        source: super::SourceText::of(&source),
        meta: Box::new(meta),
        spans: Arc::new(spans),
        translation: None,
    })))
}

/// Reads a service translation: text only, every fact refused at its value. Its `meta`
/// is a placeholder until [`finish_translation`] merges it into its source.
fn load_translation(path: &Path, slug: String, lang: String) -> Result<Service, Diagnostics> {
    let source = read_text(path)?;
    let split = frontmatter::split(path, &source)?;
    let src_name = format!("{slug}.md");
    let (text, spans): (translation::ServiceText, _) =
        translation::parse_text(path, &source, &split, translation::Kind::Service, &src_name)?;
    let body_line = crate::diagnostics::line_col(&source, split.body_offset).0;
    let info = translation::TranslationInfo {
        translated_from: text.translated_from.clone(),
        reviewed: text.reviewed,
        text: Some(Arc::new(text)),
        source_path: path.with_file_name(src_name),
    };
    Ok(Service {
        slug,
        lang,
        source_path: path.to_owned(),
        contacts: Default::default(),
        reception: Default::default(),
        survey: None,
        refusal_grounds: Vec::new(),
        body_offset: split.body_offset,
        body_line,
        source: super::SourceText::of(&source),
        meta: Box::new(placeholder_meta()),
        spans: Arc::new(spans),
        translation: Some(Arc::new(info)),
    })
}

/// The front matter of a translation before its source's facts are merged in.
fn placeholder_meta() -> FrontMatter {
    FrontMatter {
        title: String::new(),
        summary: String::new(),
        category: String::new(),
        updated: super::Date(jiff::civil::date(2000, 1, 1)),
        draft: false,
        slug: None,
        weight: None,
        who: String::new(),
        documents: vec![],
        steps: vec![],
        result: String::new(),
        deadline: super::Deadline {
            days: 0,
            kind: super::DayKind::Working,
            note: None,
        },
        fee: super::Fee::Free,
        apply: vec![],
        legal_acts: vec![],
        contacts: Default::default(),
        reception: Default::default(),
        faq: vec![],
        survey: None,
        aliases: vec![],
        refusal_grounds: vec![],
    }
}

/// A translation (as [`load_translation`] read it, or as merged before) with the facts of
/// its source `src` and its own text.
pub(super) fn finish_translation(tr: &Service, src: &Service) -> Result<Service, Diagnostics> {
    let info = tr.translation.as_ref().expect("a translation");
    let text = info.text.as_ref().expect("a service translation");
    let source = tr.text()?;
    let at = FileAt {
        path: &tr.source_path,
        source: &source,
        spans: &tr.spans,
    };
    let meta = translation::merge_service(src, tr, text, &at)?;
    let mut info = (**info).clone();
    info.source_path = src.source_path.clone();
    Ok(Service {
        slug: src.slug.clone(),
        lang: tr.lang.clone(),
        source_path: tr.source_path.clone(),
        contacts: src.contacts.clone(),
        reception: src.reception.clone(),
        survey: src.survey.clone(),
        refusal_grounds: meta.refusal_grounds.clone(),
        body_offset: tr.body_offset,
        body_line: tr.body_line,
        source: tr.source,
        meta: Box::new(meta),
        spans: tr.spans.clone(),
        translation: Some(Arc::new(info)),
    })
}
