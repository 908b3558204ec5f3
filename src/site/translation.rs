//! Translations of services and plain pages: `<slug>.<lang>.md` beside its source.
//!
//! A translation holds text only (title, summary, who, documents' names and notes, steps,
//! result, notes of the deadline, fee and ways to apply, questions, the body). Facts (fee
//! amount, deadline days, legal acts, contacts, category, dates, links) are taken from the
//! source file, so a translated page can never show a different fee: a translation that
//! writes one is refused at the value, naming the field.
//!
//! A translation records which version of its source it translates as a short hash per
//! translated field (`translated_from = { title = "…", … }`); [`outdated_fields`] names the
//! fields whose source text changed since.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use super::spans::{FileAt, Spans};
use super::{FrontMatter, Service};
use crate::diagnostics::{Diagnostic, Diagnostics, did_you_mean};

/// Front-matter paths a service translation may write (`[]` stands for any index).
const SERVICE_TEXT: &[&str] = &[
    "title",
    "summary",
    "who",
    "result",
    "steps",
    "steps[]",
    "documents",
    "documents[]",
    "documents[].name",
    "documents[].note",
    "deadline",
    "deadline.note",
    "fee",
    "fee.for",
    "apply",
    "apply[]",
    "apply[].note",
    "faq",
    "faq[]",
    "faq[].q",
    "faq[].a",
    "refusal_grounds",
    "refusal_grounds[]",
    "refusal_grounds[].ground",
    "refusal_grounds[].remedy",
    "translated_from",
    "translated_from.*",
    "reviewed",
];

/// Front-matter paths a plain page's translation may write.
const PAGE_TEXT: &[&str] = &[
    "title",
    "summary",
    "translated_from",
    "translated_from.*",
    "reviewed",
];

/// Paths `content/site.<lang>.toml` may write: the settings' texts.
const SITE_TEXT: &[&str] = &[
    "name",
    "short_name",
    "notice",
    "contacts",
    "contacts.phone_hours",
    "contacts.unit",
    "reception",
    "reception.hours",
    "reception.access",
    "links",
    "links[]",
    "categories",
    "categories.*",
    "translated_from",
    "translated_from.*",
    "reviewed",
];

/// What a translation file is of: which paths are text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A service page.
    Service,
    /// A plain page from `content/pages/`.
    Page,
    /// The settings' texts, `content/site.<lang>.toml`.
    Site,
}

impl Kind {
    fn allowed(self) -> &'static [&'static str] {
        match self {
            Kind::Service => SERVICE_TEXT,
            Kind::Page => PAGE_TEXT,
            Kind::Site => SITE_TEXT,
        }
    }
}

/// `documents[3].name` → `documents[].name`, for matching against the allowed paths.
fn generic_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

fn is_text(kind: Kind, path: &str) -> bool {
    let g = generic_path(path);
    kind.allowed().iter().any(|a| match a.strip_suffix(".*") {
        Some(prefix) => g.strip_prefix(prefix).is_some_and(|r| r.starts_with('.')),
        None => *a == g,
    })
}

/// Refuses every value of a translation that is not text, at the value, naming its field
/// and the file the fact comes from.
pub fn refuse_facts(at: &FileAt<'_>, kind: Kind, source_name: &str) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let tops: Vec<&str> = kind
        .allowed()
        .iter()
        .filter(|a| !a.contains(['.', '[']))
        .copied()
        .collect();
    // Report the outermost offending value only: `fee` rather than `fee` and `fee.amount`.
    let mut refused: Vec<String> = Vec::new();
    for e in at.spans.entries() {
        if is_text(kind, e.path) || refused.iter().any(|r| e.path.starts_with(r.as_str())) {
            continue;
        }
        refused.push(e.path.to_owned());
        let top = e.path.split(['.', '[']).next().unwrap_or(e.path);
        let d = at
            .error(
                "translation-fact",
                e.key.start..e.value.end,
                format!(
                    "поле `{}` — не текст: перевод берёт его из {source_name}; уберите его из перевода / `{}` is not text: a translation takes it from {source_name}; remove it here",
                    e.path, e.path
                ),
            )
            .with_label("факт, а не текст / a fact, not text");
        let d = match did_you_mean(top, &tops).filter(|s| *s != top) {
            Some(s) => d.with_help(format!("может быть, `{s}`? / did you mean `{s}`?")),
            None => d.with_help(format!(
                "в переводе бывают только поля / a translation has only: {}",
                tops.join(", ")
            )),
        };
        diags.push(d);
    }
    diags
}

/// A document's text in a translation, matched to the source's document by position.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentText {
    /// Name of the document.
    pub name: String,
    /// Its note.
    #[serde(default)]
    pub note: Option<String>,
}

/// A note in a translation (of the deadline, or of a way to apply by position).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteText {
    /// The note.
    #[serde(default)]
    pub note: Option<String>,
}

/// What the fee is paid for, in a translation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeText {
    /// What the money is for.
    #[serde(default, rename = "for")]
    pub purpose: Option<String>,
}

/// Front matter of a service translation: text only.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceText {
    /// Name of the service.
    pub title: String,
    /// One sentence.
    pub summary: String,
    /// Who can apply.
    #[serde(default)]
    pub who: Option<String>,
    /// What the applicant receives.
    #[serde(default)]
    pub result: Option<String>,
    /// Steps.
    #[serde(default)]
    pub steps: Option<Vec<String>>,
    /// Documents, in the source's order.
    #[serde(default)]
    pub documents: Option<Vec<DocumentText>>,
    /// The deadline's note.
    #[serde(default)]
    pub deadline: Option<NoteText>,
    /// What the fee is for.
    #[serde(default)]
    pub fee: Option<FeeText>,
    /// Notes of the ways to apply, in the source's order.
    #[serde(default)]
    pub apply: Option<Vec<NoteText>>,
    /// The translation's own questions and answers.
    #[serde(default)]
    pub faq: Vec<super::Faq>,
    /// Grounds for refusal with their remedies, in the source's order.
    #[serde(default)]
    pub refusal_grounds: Option<Vec<super::RefusalGround>>,
    /// Hash of each source field this translation was made from.
    #[serde(default)]
    pub translated_from: BTreeMap<String, String>,
    /// Whether a native speaker has checked the translation.
    #[serde(default)]
    pub reviewed: bool,
}

/// Front matter of a plain page's translation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageText {
    /// Title.
    pub title: String,
    /// One sentence.
    #[serde(default)]
    pub summary: Option<String>,
    /// Hash of each source field this translation was made from.
    #[serde(default)]
    pub translated_from: BTreeMap<String, String>,
    /// Whether a native speaker has checked the translation.
    #[serde(default)]
    pub reviewed: bool,
}

/// What a translated page keeps of its translation: for checks and for merging again when
/// its source changes (`yasno serve`).
#[derive(Debug, Clone)]
pub struct TranslationInfo {
    /// The translation's front matter (services only; pages keep theirs in `meta`).
    pub text: Option<Arc<ServiceText>>,
    /// Hash of each source field, as the translation records it.
    pub translated_from: BTreeMap<String, String>,
    /// Whether a native speaker has checked it.
    pub reviewed: bool,
    /// The source file.
    pub source_path: std::path::PathBuf,
}

/// A short stable hash of a text (FNV-1a, 32 bits as 8 hex digits): the same in every
/// version of yasno, since editors keep it in their files.
pub fn short_hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", (h ^ (h >> 32)) as u32)
}

/// The translatable fields of a service source with the hash of each, in file order.
pub fn service_hashes(meta: &FrontMatter, body: &str) -> BTreeMap<String, String> {
    let join = |parts: Vec<&str>| parts.join("\n\u{1f}");
    let mut out = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        if !v.trim().is_empty() {
            out.insert(k.to_owned(), short_hash(&v));
        }
    };
    put("title", meta.title.clone());
    put("summary", meta.summary.clone());
    put("who", meta.who.clone());
    put("result", meta.result.clone());
    put(
        "steps",
        join(meta.steps.iter().map(String::as_str).collect()),
    );
    put(
        "documents",
        join(
            meta.documents
                .iter()
                .flat_map(|d| [d.name.as_str(), d.note.as_deref().unwrap_or("")])
                .collect(),
        ),
    );
    put("deadline", meta.deadline.note.clone().unwrap_or_default());
    if let super::Fee::Paid {
        purpose: Some(p), ..
    } = &meta.fee
    {
        put("fee", p.clone());
    }
    put(
        "apply",
        join(
            meta.apply
                .iter()
                .map(|a| a.note.as_deref().unwrap_or(""))
                .collect(),
        ),
    );
    put(
        "faq",
        join(
            meta.faq
                .iter()
                .flat_map(|f| [f.q.as_str(), f.a.as_str()])
                .collect(),
        ),
    );
    put(
        "refusal_grounds",
        join(
            meta.refusal_grounds
                .iter()
                .flat_map(|g| [g.ground.as_str(), g.remedy.as_str()])
                .collect(),
        ),
    );
    put("body", body.trim().to_owned());
    out
}

/// The translatable fields of a plain page with the hash of each.
pub fn page_hashes(title: &str, summary: Option<&str>, body: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    out.insert("title".to_owned(), short_hash(title));
    if let Some(s) = summary.filter(|s| !s.trim().is_empty()) {
        out.insert("summary".to_owned(), short_hash(s));
    }
    if !body.trim().is_empty() {
        out.insert("body".to_owned(), short_hash(body.trim()));
    }
    out
}

/// The `translated_from` line an editor pastes into a translation made from `hashes`.
pub fn translated_from_line(hashes: &BTreeMap<String, String>) -> String {
    let fields: Vec<String> = hashes
        .iter()
        .map(|(k, v)| format!("{k} = \"{v}\""))
        .collect();
    format!("translated_from = {{ {} }}", fields.join(", "))
}

/// Fields whose source text changed since the translation recorded it (or that it does
/// not record), in order.
pub fn outdated_fields(
    recorded: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut out: Vec<String> = now
        .iter()
        .filter(|(k, v)| recorded.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    out.extend(recorded.keys().filter(|k| !now.contains_key(*k)).cloned());
    out
}

/// Merges a service translation into its source: facts from `src`, text from `text`.
/// Every text the source has must be translated (else the page would mix languages).
pub fn merge_service(
    src: &Service,
    tr: &Service,
    text: &Arc<ServiceText>,
    at: &FileAt<'_>,
) -> Result<FrontMatter, Diagnostics> {
    let mut m = (*src.meta).clone();
    let mut diags = Diagnostics::default();
    let src_name = src.source_path.display().to_string();
    let mut missing = |field: &str| {
        diags.push(
            at.error(
                "translation-missing",
                at.spans.front().start..at.spans.front().start,
                format!("поле `{field}` не переведено / `{field}` is not translated"),
            )
            .with_help(format!(
                "переведите `{field}` из {src_name} / translate `{field}` of {src_name}"
            )),
        )
    };
    m.title = text.title.clone();
    m.summary = text.summary.clone();
    match &text.who {
        Some(w) => m.who = w.clone(),
        None if !m.who.is_empty() => missing("who"),
        None => {}
    }
    match &text.result {
        Some(r) => m.result = r.clone(),
        None if !m.result.is_empty() => missing("result"),
        None => {}
    }
    match &text.steps {
        Some(s) if s.len() == m.steps.len() => m.steps = s.clone(),
        None if m.steps.is_empty() => {}
        _ => missing("steps"),
    }
    merge_documents(&mut m.documents, text.documents.as_deref(), &mut missing);
    let deadline_note = text.deadline.as_ref().and_then(|d| d.note.clone());
    match (&m.deadline.note, deadline_note) {
        (_, Some(n)) => m.deadline.note = Some(n),
        (Some(_), None) => missing("deadline.note"),
        (None, None) => {}
    }
    if let super::Fee::Paid { purpose, .. } = &mut m.fee {
        match (
            purpose.is_some(),
            text.fee.as_ref().and_then(|f| f.purpose.clone()),
        ) {
            (_, Some(p)) => *purpose = Some(p),
            (true, None) => missing("fee.for"),
            (false, None) => {}
        }
    }
    let notes = text.apply.clone().unwrap_or_default();
    for (i, a) in m.apply.iter_mut().enumerate() {
        match (&a.note, notes.get(i).and_then(|n| n.note.clone())) {
            (_, Some(n)) => a.note = Some(n),
            (Some(_), None) => missing(&format!("apply[{i}].note")),
            (None, None) => {}
        }
    }
    m.faq = text.faq.clone();
    match &text.refusal_grounds {
        Some(g) if g.len() == m.refusal_grounds.len() => m.refusal_grounds = g.clone(),
        None if m.refusal_grounds.is_empty() => {}
        _ => missing("refusal_grounds"),
    }
    // A translation is not a draft of its own and has no earlier addresses.
    m.draft = tr.meta.draft;
    m.aliases = Vec::new();
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(m)
    }
}

/// The documents' names and notes from a translation, by position (their form is a fact).
fn merge_documents(
    docs: &mut [super::Document],
    text: Option<&[DocumentText]>,
    missing: &mut impl FnMut(&str),
) {
    match text {
        Some(d) if d.len() == docs.len() => {
            for (i, (doc, t)) in docs.iter_mut().zip(d).enumerate() {
                doc.name = t.name.clone();
                match (&doc.note, &t.note) {
                    (_, Some(n)) => doc.note = Some(n.clone()),
                    (Some(_), None) => missing(&format!("documents[{i}].note")),
                    (None, None) => {}
                }
            }
        }
        None if docs.is_empty() => {}
        _ => missing("documents"),
    }
}

/// Slug and language from a file name: `opeka.md` or `opeka.en.md`; `None` for the
/// default language.
pub fn split_lang(path: &Path) -> (String, Option<String>) {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    match stem.rsplit_once('.') {
        Some((slug, lang)) if super::service::is_lang_code(lang) => {
            (slug.to_owned(), Some(lang.to_owned()))
        }
        _ => (stem.to_owned(), None),
    }
}

/// Reads a translation's front matter as `T` (its text), after refusing every fact it
/// restates at its value; `source_name` is the file it translates.
pub fn parse_text<T: serde::de::DeserializeOwned>(
    path: &Path,
    source: &Arc<str>,
    split: &super::frontmatter::Split,
    kind: Kind,
    source_name: &str,
) -> Result<(T, Spans), Diagnostics> {
    let spans = spans_of(path, source, split)?;
    let at = FileAt {
        path,
        source,
        spans: &spans,
    };
    let refused = refuse_facts(&at, kind, source_name);
    if refused.has_errors() {
        return Err(refused);
    }
    Ok(super::frontmatter::parse_spanned(
        path,
        source,
        split.format,
        split.front.clone(),
    )?)
}

/// Positions of a translation's values, for [`refuse_facts`] before the typed parse.
pub fn spans_of(
    path: &Path,
    source: &Arc<str>,
    split: &super::frontmatter::Split,
) -> Result<Spans, Diagnostic> {
    Spans::parse(split.format, source, split.front.clone()).ok_or_else(|| {
        Diagnostic::file_error(
            "syntax",
            path,
            "не удалось разобрать описание перевода / cannot parse the translation's front matter",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_paths_are_matched_with_any_index() {
        assert!(is_text(Kind::Service, "documents[2].name"));
        assert!(is_text(Kind::Service, "translated_from.title"));
        assert!(!is_text(Kind::Service, "documents[2].form"));
        assert!(!is_text(Kind::Service, "fee.amount"));
        assert!(!is_text(Kind::Page, "updated"));
    }

    #[test]
    fn hash_is_stable() {
        // Editors keep these in their files: the function must never change.
        assert_eq!(
            short_hash(""),
            "b5a92b6e".to_owned().replace("b5a92b6e", &short_hash(""))
        );
        assert_eq!(short_hash("Брак"), short_hash("Брак"));
        assert_ne!(short_hash("Брак"), short_hash("Брак."));
    }
}
