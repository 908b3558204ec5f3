//! Comments grouped by the site's themes (`[[report.themes]]`): a theme is a list of words,
//! and a comment belongs to it when one of its words, reduced to its Snowball stem, is a
//! stem of the theme. Stems make «очередь», «очереди» and «очередями» one word.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};
use serde::Serialize;

use super::Comment;
use crate::site::ReportTheme;

static RU: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Russian));
static EN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Examples shown per theme; the CSV and the count hold them all.
const EXAMPLES: usize = 5;

/// The comments of one theme.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeGroup {
    /// Theme name; `Другое / Other` for comments of no theme.
    pub name: String,
    /// Comments in the theme.
    pub count: usize,
    /// The first few comments, masked.
    pub examples: Vec<Comment>,
    /// True for the "other" group.
    pub other: bool,
}

/// The stems of the words of `text`: Cyrillic words by the Russian stemmer, Latin ones by
/// the English one.
pub(super) fn stems(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = w.to_lowercase().replace('ё', "е");
            let stemmer = if w.chars().any(|c| c.is_ascii_alphabetic()) {
                &*EN
            } else {
                &*RU
            };
            stemmer.stem(&w).into_owned()
        })
        .collect()
}

/// `comments` by theme, in the site's order, then "other"; themes without comments are
/// kept (zero is a finding too). A comment of two themes counts in both.
pub(super) fn group(comments: &[Comment], themes: &[ReportTheme]) -> Vec<ThemeGroup> {
    let theme_stems: Vec<BTreeSet<String>> = themes
        .iter()
        .map(|t| t.words.iter().flat_map(|w| stems(w)).collect())
        .collect();
    let mut groups: Vec<ThemeGroup> = themes
        .iter()
        .map(|t| ThemeGroup {
            name: t.name.clone(),
            count: 0,
            examples: Vec::new(),
            other: false,
        })
        .chain(std::iter::once(ThemeGroup {
            name: "Другое / Other".into(),
            count: 0,
            examples: Vec::new(),
            other: true,
        }))
        .collect();
    let other = groups.len() - 1;
    for c in comments {
        let words = stems(&c.text);
        let mut matched = false;
        for (i, t) in theme_stems.iter().enumerate() {
            if !t.is_disjoint(&words) {
                add(&mut groups[i], c);
                matched = true;
            }
        }
        if !matched {
            add(&mut groups[other], c);
        }
    }
    groups
}

fn add(group: &mut ThemeGroup, c: &Comment) {
    group.count += 1;
    if group.examples.len() < EXAMPLES {
        group.examples.push(c.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(text: &str) -> Comment {
        Comment {
            date: String::new(),
            service: String::new(),
            source: String::new(),
            question: String::new(),
            text: text.into(),
        }
    }

    #[test]
    fn inflected_forms_fall_into_their_theme() {
        let themes = vec![
            ReportTheme {
                name: "Очереди".into(),
                words: vec!["очередь".into()],
            },
            ReportTheme {
                name: "Сайт".into(),
                words: vec!["сайт".into(), "website".into()],
            },
        ];
        let comments: Vec<Comment> = [
            "Очереди огромные",
            "стоял в очереди",
            "Замучился с очередями на сайте",
            "The websites are slow",
            "Спасибо",
        ]
        .into_iter()
        .map(comment)
        .collect();
        let g = group(&comments, &themes);
        let counts: Vec<(&str, usize)> = g.iter().map(|g| (g.name.as_str(), g.count)).collect();
        assert_eq!(counts, [("Очереди", 3), ("Сайт", 2), ("Другое / Other", 1)]);
        assert_eq!(g[2].examples[0].text, "Спасибо");
    }
}
