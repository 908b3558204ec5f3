//! `bureaucratese` and `negative`: words and turns from the language of documents.

use std::borrow::Cow;
use std::sync::LazyLock;

use super::Ctx;
use crate::check::lexicon::{self, Lang, PhraseSet};
use crate::check::text::normalize;
use crate::check::{Hit, Severity};

/// The "why" note of each entry of a list, made once: a legacy page has dozens of hits.
fn why_notes(set: &PhraseSet) -> Vec<String> {
    (set.entries.iter())
        .map(|e| format!("{} (правила, п. 4.9: избегать канцеляризма)", e.why))
        .collect()
}

static WHY_RU: LazyLock<Vec<String>> = LazyLock::new(|| why_notes(&lexicon::BUREAUCRATESE_RU));
static WHY_EN: LazyLock<Vec<String>> = LazyLock::new(|| why_notes(&lexicon::BUREAUCRATESE_EN));

/// Canceliarisms from `data/bureaucratese.toml` (English: `bureaucratese_en.toml`).
pub(crate) fn bureaucratese(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let (set, whys) = match ctx.lang {
        Lang::Ru => (&*lexicon::BUREAUCRATESE_RU, &*WHY_RU),
        Lang::En => (&*lexicon::BUREAUCRATESE_EN, &*WHY_EN),
        Lang::Other => return,
    };
    for (i, b) in ctx.doc.blocks.iter().enumerate() {
        let words = ctx.match_words(i);
        for m in set.find(words) {
            let entry = &set.entries[m.entry];
            let span = ctx.words_span(b, m.start..m.end);
            let quoted = ctx.quote(&span);
            // Most sites allow nothing: no lower-cased copies to look up then.
            let allowed = !ctx.comp.allow.is_empty()
                && (ctx.comp.allow.contains(&normalize(&quoted))
                    || ctx.comp.allow.contains(&normalize(&entry.phrase)));
            if allowed {
                continue;
            }
            let (message, suggestion) = match ctx.lang {
                // Joined, not formatted: tens of thousands of hits on a legacy site.
                Lang::Ru | Lang::Other => (
                    ["канцелярит «", &quoted, "»"].concat(),
                    ["«", &quoted, "» → ", &entry.suggest].concat(),
                ),
                Lang::En => (
                    ["formal wording \"", &quoted, "\""].concat(),
                    ["\"", &quoted, "\" → ", &entry.suggest].concat(),
                ),
            };
            hits.push(Hit {
                rule: "bureaucratese",
                span,
                severity: entry.severity.unwrap_or(Severity::Error),
                message: message.into(),
                suggestion: Some(suggestion.into()),
                why: Cow::Borrowed(&whys[m.entry]),
            });
        }
    }
}

/// Passive verb endings after «не»: «не принимаются», «не выдаётся», «не рассматривается».
fn is_passive_verb(lower: &str) -> bool {
    ["ется", "ются", "ится", "ятся", "утся", "атся"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// Verbs of what an office does with people's papers: «не принимаются» is a rule to the
/// reader, «не общается» is not.
const OFFICE_VERBS: &[&str] = &[
    "принима",
    "выда",
    "рассматрива",
    "допуска",
    "разреша",
    "предоставля",
    "оформля",
    "регистрир",
    "возвраща",
    "обслужива",
    "пропуска",
    "засчитыва",
    "учитыва",
    "выплачива",
    "оплачива",
    "заверя",
    "продлева",
    "подписыва",
    "выдаё",
    "выдае",
    "прилага",
    "запреща",
];

/// Negative instructions where a positive one is possible.
pub(crate) fn negative(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let set = &*lexicon::NEGATIVE_RU;
    for (i, b) in ctx.doc.blocks.iter().enumerate() {
        let words = ctx.match_words(i);
        let mut spans: Vec<std::ops::Range<usize>> = set
            .find(words)
            .into_iter()
            .map(|m| m.start..m.end)
            .collect();
        for (j, w) in b.words.iter().enumerate() {
            if b.lower(w) == "не"
                && let Some(next) = b.words.get(j + 1)
                && is_passive_verb(b.lower(next))
                && (OFFICE_VERBS.iter().any(|v| b.lower(next).starts_with(v))
                    || b.words[j + 2..].iter().take(3).any(|w| b.lower(w) == "без"))
                && !spans.iter().any(|s| s.contains(&j) || s.contains(&(j + 1)))
            {
                spans.push(j..j + 2);
            }
        }
        spans.sort_by_key(|s| s.start);
        for s in spans {
            let span = ctx.words_span(b, s.clone());
            let quoted = ctx.quote(&span);
            // «не … без» doubles the negation: the positive form is the requirement itself.
            let with_without = b.words[s.end..]
                .iter()
                .take(3)
                .find(|w| b.lower(w) == "без")
                .map(|w| &b.text[w.range.clone()]);
            let suggestion = if with_without.is_some() {
                "скажите, что нужно сделать: «не принимаются без паспорта» → «возьмите паспорт»"
                    .to_string()
            } else {
                format!(
                    "скажите, что нужно сделать, вместо того, что нельзя: «{quoted}» → положительная инструкция"
                )
            };
            hits.push(Hit {
                rule: "negative",
                span,
                severity: Severity::Warning,
                message: format!("отрицательная инструкция «{quoted}»").into(),
                suggestion: Some(suggestion.into()),
                why: "читателю приходится самому додумывать, что делать; положительная фраза короче и понятнее (правила, п. 4.9)".into(),
            });
        }
    }
}
