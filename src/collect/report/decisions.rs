//! The decisions of the quarterly meeting (sections 3.5–3.6): `content/decisions/<QUARTER>.toml`,
//! one `[[decision]]` per service discussed:
//!
//! ```toml
//! [[decision]]
//! service = "primer"           # the service's slug
//! discussed = 2026-10-05       # the day of the meeting
//! reengineer = true            # re-engineer the service or not
//! why = "Много низких оценок из-за очередей"
//! who = "Петрова А. А."        # responsible (required when reengineer = true)
//! by = 2026-12-15              # deadline (required when reengineer = true)
//! ```
//!
//! Mistakes are errors at file:line:column naming the field.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::figures::ddmmyyyy;
use crate::diagnostics::{Diagnostic, Diagnostics};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    decision: Vec<Raw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    service: Spanned<String>,
    discussed: Spanned<toml::value::Datetime>,
    reengineer: bool,
    why: Spanned<String>,
    #[serde(default)]
    who: Option<String>,
    #[serde(default)]
    by: Option<Spanned<toml::value::Datetime>>,
}

/// The day of a TOML date (`2026-10-05`); a time of day or an offset is a mistake.
fn day(value: &Spanned<toml::value::Datetime>) -> Result<Date, (Range<usize>, String)> {
    let v = value.get_ref();
    match (v.date, v.time, v.offset) {
        (Some(d), None, None) => Date::new(d.year as i16, d.month as i8, d.day as i8)
            .map_err(|e| (value.span(), e.to_string())),
        _ => Err((
            value.span(),
            "ожидалась дата вида 2026-10-05 / expected a date like 2026-10-05".into(),
        )),
    }
}

/// One service's decision, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Service slug.
    pub service: String,
    /// Day of the meeting, `DD.MM.YYYY`.
    pub discussed: String,
    /// Re-engineer the service.
    pub reengineer: bool,
    /// Why.
    pub why: String,
    /// Who is responsible (may be empty when nothing is to be done).
    pub who: String,
    /// By when, `DD.MM.YYYY` (empty when nothing is to be done).
    pub by: String,
}

/// The file of a quarter's decisions in the site folder.
pub fn decisions_file(root: &Path, quarter: &str) -> PathBuf {
    root.join("content/decisions")
        .join(format!("{quarter}.toml"))
}

/// Reads the decisions of `file` by service; no file means no decisions yet. `services` are
/// the site's slugs: a decision about another one is a mistake.
pub fn load(
    file: &Path,
    services: &BTreeSet<String>,
) -> Result<BTreeMap<String, Decision>, Diagnostics> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => {
            let d = Diagnostic::file_error("decisions", file, format!("cannot read: {e}"));
            return Err(Diagnostics(vec![d]));
        }
    };
    let source: Arc<str> = Arc::from(text.as_str());
    let err = |range: Range<usize>, message: String| {
        Diagnostic::error("decisions", file, &source, range, message)
    };
    let parsed: File = toml::from_str(&text).map_err(|e| {
        let range = e.span().unwrap_or(0..0);
        Diagnostics(vec![err(range, e.message().trim().to_owned())])
    })?;
    let mut out = BTreeMap::new();
    let mut errors = Diagnostics::default();
    for raw in parsed.decision {
        match validate(raw, services, &out) {
            Ok(d) => {
                out.insert(d.service.clone(), d);
            }
            Err(found) => {
                for (range, message) in found {
                    errors.push(err(range, message));
                }
            }
        }
    }
    if errors.has_errors() {
        return Err(errors);
    }
    Ok(out)
}

/// A mistake: where and what.
type Found = Vec<(Range<usize>, String)>;

/// One decision checked against the site's services and the ones read before it.
fn validate(
    raw: Raw,
    services: &BTreeSet<String>,
    seen: &BTreeMap<String, Decision>,
) -> Result<Decision, Found> {
    let slug = raw.service.get_ref().clone();
    let at = raw.service.span();
    if !services.contains(&slug) {
        let known: Vec<&str> = services.iter().map(String::as_str).collect();
        let message = format!(
            "service: услуги «{slug}» нет на сайте; есть: {} / unknown service",
            known.join(", ")
        );
        return Err(vec![(at, message)]);
    }
    if seen.contains_key(&slug) {
        let message = format!(
            "service: решение по «{slug}» уже есть в этом файле / a second decision for `{slug}`"
        );
        return Err(vec![(at, message)]);
    }
    let discussed = day(&raw.discussed).map_err(|(r, m)| vec![(r, format!("discussed: {m}"))])?;
    let by = match &raw.by {
        Some(b) => Some((
            day(b).map_err(|(r, m)| vec![(r, format!("by: {m}"))])?,
            b.span(),
        )),
        None => None,
    };
    let who = raw.who.unwrap_or_default();
    let mut found = Found::new();
    if raw.why.get_ref().trim().is_empty() {
        found.push((
            raw.why.span(),
            "why: напишите, почему так решили / say why".into(),
        ));
    }
    if raw.reengineer && (who.trim().is_empty() || by.is_none()) {
        found.push((
            at,
            "who, by: для перепроектирования нужны ответственный и срок / re-engineering needs `who` and `by`".into(),
        ));
    }
    if let Some((b, span)) = &by
        && *b < discussed
    {
        found.push((
            span.clone(),
            "by: срок раньше дня обсуждения / the deadline is before the meeting".into(),
        ));
    }
    if !found.is_empty() {
        return Err(found);
    }
    Ok(Decision {
        service: slug,
        discussed: ddmmyyyy(discussed),
        reengineer: raw.reengineer,
        why: raw.why.into_inner(),
        who,
        by: by.map(|(b, _)| ddmmyyyy(b)).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slugs() -> BTreeSet<String> {
        ["primer".to_owned(), "vtoraya".to_owned()].into()
    }

    #[test]
    fn mistakes_point_at_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("2026Q3.toml");
        let text = "[[decision]]\nservice = \"primer\"\ndiscussed = 2026-10-05\nreengineer = true\nwhy = \"очереди\"\nwho = \"Петрова\"\nby = 2026-09-01\n\n[[decision]]\nservice = \"netu\"\ndiscussed = 2026-10-05\nreengineer = false\nwhy = \"—\"\n";
        std::fs::write(&file, text).unwrap();
        let errs = load(&file, &slugs()).unwrap_err();
        let found: Vec<((usize, usize), String)> = errs
            .0
            .iter()
            .map(|d| (d.line_col(), d.message.to_string()))
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, (7, 6));
        assert!(found[0].1.starts_with("by:"));
        assert_eq!(found[1].0, (10, 11));
        assert!(found[1].1.starts_with("service:") && found[1].1.contains("netu"));

        std::fs::write(
            &file,
            "[[decision]]\nservice = \"primer\"\ndiscused = 2026-10-05\n",
        )
        .unwrap();
        let errs = load(&file, &slugs()).unwrap_err();
        assert_eq!(errs.0[0].line_col().0, 3, "{}", errs.0[0].message);
        assert!(errs.0[0].message.contains("discused"));

        assert!(
            load(&dir.path().join("none.toml"), &slugs())
                .unwrap()
                .is_empty()
        );
    }
}
