//! Translations that stay true: each translated service or page records a short hash of
//! every source field it translates (`translated_from`); when the source's text changes,
//! the translation is reported with the fields that changed and the line to put in it
//! once it is translated again. Translations not reviewed by a native speaker are listed.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::{CheckConfig, Finding, LineIndex, Severity, level};
use crate::site::translation::{
    TranslationInfo, outdated_fields, page_hashes, service_hashes, translated_from_line,
};
use crate::site::{Site, spans::Spans};

/// A translated file as the findings need it.
struct Translated<'a> {
    path: &'a Path,
    source: Arc<str>,
    spans: &'a Spans,
    info: &'a TranslationInfo,
    /// Hashes of the source's fields now.
    now: BTreeMap<String, String>,
}

/// Findings about every translation of `site`: out of date, not pinned, not reviewed.
pub(super) fn findings(site: &Site, cfg: &CheckConfig) -> Vec<Finding> {
    let mut all = Vec::new();
    for s in &site.services {
        let Some(info) = &s.translation else { continue };
        let Some(src) = site.service_in(s, &site.settings.lang) else {
            continue;
        };
        // Files that cannot be read again now are reported by the pages' check.
        let (Ok(source), Ok(src_text)) = (s.text(), src.text()) else {
            continue;
        };
        all.push(Translated {
            path: &s.source_path,
            source,
            spans: &s.spans,
            info,
            now: service_hashes(&src.meta, &src_text[src.body_offset..]),
        });
    }
    for p in &site.pages {
        let Some(info) = &p.translation else { continue };
        let Some(src) = site.page_in(p, &site.settings.lang) else {
            continue;
        };
        all.push(Translated {
            path: &p.source_path,
            source: p.source.clone(),
            spans: &p.spans,
            info,
            now: page_hashes(&src.meta.title, src.meta.summary.as_deref(), src.body()),
        });
    }
    let settings_now = crate::site::texts::source_hashes(&site.settings);
    let infos: Vec<(TranslationInfo, &crate::site::SourceFile)> = (site.texts.values())
        .filter_map(|t| {
            let file = t.file.as_ref()?;
            let info = TranslationInfo {
                text: None,
                translated_from: t.translated_from.clone(),
                reviewed: t.reviewed,
                source_path: site.settings_file.path.clone(),
            };
            Some((info, file))
        })
        .collect();
    for (info, file) in &infos {
        all.push(Translated {
            path: &file.path,
            source: file.source.clone(),
            spans: &file.spans,
            info,
            now: settings_now.clone(),
        });
    }
    let mut out = Vec::new();
    for t in &all {
        out.extend(outdated(t, cfg));
        out.extend(unreviewed(t, cfg));
    }
    out
}

fn outdated(t: &Translated<'_>, cfg: &CheckConfig) -> Option<Finding> {
    let severity = level(cfg, "translation-outdated", Severity::Warning)?;
    let line = translated_from_line(&t.now);
    let (message, span) = if t.info.translated_from.is_empty() {
        (
            "перевод не указывает, с какой версии русского текста он сделан / the translation does not record which version of its source it translates".to_owned(),
            t.spans.front().start..t.spans.front().start,
        )
    } else {
        let changed = outdated_fields(&t.info.translated_from, &t.now);
        if changed.is_empty() {
            return None;
        }
        let list = changed.join(", ");
        (
            format!(
                "перевод устарел: в русском тексте изменились поля {list} / translation out of date: the source changed in {list}"
            ),
            t.spans.at("translated_from"),
        )
    };
    Some(finding(
        t,
        "translation-outdated",
        severity,
        message,
        Some(format!(
            "переведите изменения из {} и впишите / translate the changes, then write: {line}",
            t.info.source_path.display()
        )),
        "перевод должен говорить то же, что русский текст: иначе читатель получит старые сведения",
        span,
    ))
}

fn unreviewed(t: &Translated<'_>, cfg: &CheckConfig) -> Option<Finding> {
    if t.info.reviewed {
        return None;
    }
    let severity = level(cfg, "translation-unreviewed", Severity::Warning)?;
    let at = t.spans.front().start;
    Some(finding(
        t,
        "translation-unreviewed",
        severity,
        "перевод не проверил носитель языка / translation not reviewed by a native speaker".to_owned(),
        Some("когда носитель языка проверит перевод, напишите reviewed = true / after a native speaker checks it, write reviewed = true".to_owned()),
        "на странице видна пометка, что перевод не проверен",
        at..at,
    ))
}

fn finding(
    t: &Translated<'_>,
    rule: &'static str,
    severity: Severity,
    message: String,
    suggestion: Option<String>,
    why: &str,
    span: std::ops::Range<usize>,
) -> Finding {
    let lines = LineIndex::new(&t.source);
    let (line, column) = lines.position(&t.source, span.start);
    let (end_line, end_column) = lines.position(&t.source, span.end);
    Finding {
        file: Arc::from(t.path),
        line,
        column,
        end_line,
        end_column,
        rule,
        severity,
        message: message.into(),
        suggestion: suggestion.map(Into::into),
        why: why.into(),
        span,
    }
}
