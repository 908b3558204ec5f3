//! `terminology`: one thing named by different words on one page (rules, section 4.9:
//! «использовать одно и то же слово для описания одинаковых предметов»).

use std::collections::BTreeMap;
use std::ops::Range;

use super::Ctx;
use crate::check::lexicon::Lang;
use crate::check::{Hit, Severity};

/// One use of a term (its text is quoted only for the few uses a message names).
struct Use {
    term: usize,
    span: Range<usize>,
}

/// Reports the first use of each less frequent word of a group used on the page.
pub(crate) fn terminology(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let set = match ctx.lang {
        Lang::Ru => &ctx.comp.terms_ru,
        Lang::En => &ctx.comp.terms_en,
        Lang::Other => return,
    };
    // group -> uses in page order
    let mut by_group: BTreeMap<usize, Vec<Use>> = BTreeMap::new();
    for (i, b) in ctx.doc.blocks.iter().enumerate() {
        let words = ctx.match_words(i);
        for m in set.find(words) {
            let span = ctx.words_span(b, m.start..m.end);
            by_group
                .entry(ctx.comp.term_group[m.entry])
                .or_default()
                .push(Use {
                    term: m.entry,
                    span,
                });
        }
    }
    for uses in by_group.values() {
        // term -> (count, first index)
        let mut counts: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
        for (k, u) in uses.iter().enumerate() {
            counts.entry(u.term).or_insert((0, k)).0 += 1;
        }
        if counts.len() < 2 {
            continue;
        }
        // The main word: the most used, the first used on a tie.
        let (&main, &(main_count, main_first)) = counts
            .iter()
            .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
            .expect("at least two terms");
        let main_word = ctx.quote(&uses[main_first].span);
        for (&term, &(_, first)) in &counts {
            if term == main {
                continue;
            }
            let u = &uses[first];
            hits.push(Hit {
                rule: "terminology",
                span: u.span.clone(),
                severity: Severity::Warning,
                message: format!(
                    "«{}» и «{main_word}» называют одно и то же на одной странице",
                    ctx.quote(&u.span)
                ).into(),
                suggestion: Some(format!(
                    "называйте одинаково: «{main_word}» (на странице {main_count} раз)"
                ).into()),
                why: "разные слова для одного понятия заставляют думать, что речь о разном (правила, п. 4.9)".into(),
            });
        }
    }
}
