//! A theme: Tera templates parsed once, translation tables and static files.
//!
//! The theme is looked up in `<site>/themes/<name>/`; the default theme is also built into
//! the binary, so a site without a `themes/` folder still builds. Templates in
//! `<site>/templates/` replace the theme's templates of the same name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use include_dir::{Dir, include_dir};

use super::i18n::{self, Strings};
use crate::diagnostics::{Diagnostic, Diagnostics};

/// The default theme, built into the binary (also written out by `yasno new`).
pub static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// A loaded theme.
pub struct Theme {
    tera: tera::Tera,
    /// Template name → (file shown in errors, its text).
    sources: BTreeMap<String, (PathBuf, Arc<str>)>,
    strings: BTreeMap<String, Strings>,
    default_lang: String,
    statics: BTreeMap<String, Vec<u8>>,
}

/// Files under `dir` as (relative path with `/`, bytes); empty when `dir` does not exist.
pub fn read_dir_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    if !dir.is_dir() {
        return vec![];
    }
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            Some((rel, std::fs::read(e.path()).ok()?))
        })
        .collect()
}

fn embedded_files(dir: &Dir<'static>, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    fn walk(d: &Dir<'static>, out: &mut Vec<(String, Vec<u8>)>) {
        for f in d.files() {
            out.push((
                f.path().to_string_lossy().replace('\\', "/"),
                f.contents().to_vec(),
            ));
        }
        for sub in d.dirs() {
            walk(sub, out);
        }
    }
    if let Some(sub) = dir.get_dir(prefix) {
        walk(sub, &mut out);
    }
    out.into_iter()
        .filter_map(|(p, b)| Some((p.strip_prefix(&format!("{prefix}/"))?.to_owned(), b)))
        .collect()
}

impl Theme {
    /// Loads the theme named in the settings for the site in `root`.
    pub fn load(root: &Path, name: &str, default_lang: &str) -> Result<Theme, Diagnostics> {
        let dir = root.join("themes").join(name);
        let from_disk = dir.is_dir();
        if !from_disk && name != "default" {
            return Err(Diagnostic::file_error(
                "theme",
                &dir,
                format!("темы «{name}» нет / theme `{name}` not found"),
            )
            .with_help("укажите theme = \"default\" в content/site.toml или создайте папку темы / set theme = \"default\" or create the theme folder")
            .into());
        }
        let part = |sub: &str| -> Vec<(String, Vec<u8>)> {
            if from_disk {
                read_dir_files(&dir.join(sub))
            } else {
                embedded_files(&DEFAULT_THEME, sub)
            }
        };
        let origin = |sub: &str, rel: &str| -> PathBuf {
            if from_disk {
                dir.join(sub).join(rel)
            } else {
                PathBuf::from(format!("<built-in theme>/{sub}/{rel}"))
            }
        };

        // Templates: theme first, then the site's overrides by the same name.
        let mut sources: BTreeMap<String, (PathBuf, Arc<str>)> = BTreeMap::new();
        for (rel, bytes) in part("templates") {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            sources.insert(rel.clone(), (origin("templates", &rel), text.into()));
        }
        let overrides = root.join("templates");
        for (rel, bytes) in read_dir_files(&overrides) {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            sources.insert(rel.clone(), (overrides.join(&rel), text.into()));
        }

        let mut tera = tera::Tera::new();
        tera.autoescape_on(vec![".html", ".xml"]);
        let all: Vec<(String, String)> = sources
            .iter()
            .map(|(name, (_, text))| (name.clone(), text.to_string()))
            .collect();
        if let Err(e) = tera.add_raw_templates(all) {
            return Err(tera_diagnostic(&e, &sources).into());
        }

        let strings = if from_disk {
            i18n::load(&dir.join("i18n"), default_lang)?
        } else {
            let tmp = tempfile::tempdir()
                .map_err(|e| Diagnostic::file_error("io", Path::new("<tmp>"), e.to_string()))?;
            for (rel, bytes) in embedded_files(&DEFAULT_THEME, "i18n") {
                let _ = std::fs::write(tmp.path().join(rel), bytes);
            }
            i18n::load(tmp.path(), default_lang)?
        };
        let statics = part("static").into_iter().collect();
        Ok(Theme {
            tera,
            sources,
            strings,
            default_lang: default_lang.to_owned(),
            statics,
        })
    }

    /// Sets a value every template sees (the site view is set once, not per page).
    pub fn set_global(&mut self, key: &'static str, value: &impl serde::Serialize) {
        self.tera.global_context().insert(key, value);
    }

    /// The strings of `lang`, or of the site's language when the theme lacks `lang`.
    pub fn strings(&self, lang: &str) -> &Strings {
        self.strings
            .get(lang)
            .unwrap_or_else(|| &self.strings[&self.default_lang])
    }

    /// Languages the theme has strings for.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.strings.keys().map(String::as_str)
    }

    /// Hands `field` everything a page takes from the theme, field by field: its templates
    /// (overrides included), its interface strings and its static files (hashed into the
    /// keys of pages reused from the previous build, [`super::reuse`]).
    pub fn fields(&self, field: &mut dyn FnMut(&[u8])) {
        field(self.default_lang.as_bytes());
        for (name, (_, text)) in &self.sources {
            field(name.as_bytes());
            field(text.as_bytes());
        }
        for (lang, s) in &self.strings {
            field(lang.as_bytes());
            field(format!("{:?}{:?}", s.map, s.plural).as_bytes());
        }
        for (name, bytes) in &self.statics {
            field(name.as_bytes());
            field(bytes);
        }
    }

    /// Static files as (relative path, bytes).
    pub fn static_files(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.statics
    }

    /// Whether the theme has a template.
    pub fn has_template(&self, name: &str) -> bool {
        self.sources.contains_key(name)
    }

    /// Renders a template; an error names the template file, line and column.
    pub fn render(&self, name: &str, ctx: &tera::Context) -> Result<String, Diagnostic> {
        self.tera
            .render(name, ctx)
            .map_err(|e| tera_diagnostic(&e, &self.sources))
    }

    /// Renders a template into bytes, like [`Theme::render`] without checking the output's
    /// UTF-8 again (templates and values are `str`, so it is valid by construction).
    pub fn render_bytes(&self, name: &str, ctx: &tera::Context) -> Result<Vec<u8>, Diagnostic> {
        // Most pages are 10-60 KB: starting big skips the copies of a growing buffer.
        self.render_bytes_sized(name, ctx, 64 * 1024)
    }

    /// Like [`Theme::render_bytes`] with the output buffer's first capacity given (small
    /// fragments kept in memory together should not each hold a page-sized buffer).
    pub fn render_bytes_sized(
        &self,
        name: &str,
        ctx: &tera::Context,
        capacity: usize,
    ) -> Result<Vec<u8>, Diagnostic> {
        let mut out = Vec::with_capacity(capacity);
        self.tera
            .render_to(name, ctx, &mut out)
            .map_err(|e| tera_diagnostic(&e, &self.sources))?;
        Ok(out)
    }
}

/// A Tera error as a diagnostic on the template file, with its line and column.
fn tera_diagnostic(e: &tera::Error, sources: &BTreeMap<String, (PathBuf, Arc<str>)>) -> Diagnostic {
    // Walk the error chain for the first report that knows its place in a template.
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(te) = err.downcast_ref::<tera::Error>() {
            let report = match te.kind() {
                tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => Some(r),
                _ => None,
            };
            if let Some(r) = report {
                let (path, source) = sources
                    .get(r.filename())
                    .cloned()
                    .unwrap_or_else(|| (PathBuf::from(r.filename()), Arc::from("")));
                return Diagnostic::error("template", &path, &source, r.span().range.clone(), format!("ошибка в шаблоне / template error: {}", r.message()))
                    .with_label(r.message().to_owned())
                    .with_help("исправьте шаблон или верните его из темы по умолчанию / fix the template or restore it from the default theme");
            }
        }
        cur = err.source();
    }
    Diagnostic::file_error(
        "template",
        Path::new("templates"),
        format!("ошибка в шаблоне / template error: {e}"),
    )
}
