//! Translations of a survey's texts. The Russian file holds the facts once (ids, kinds,
//! `required`, option values, limits, the version) and, under `[i18n.<lang>]`, only texts:
//!
//! ```toml
//! [i18n.en]
//! title = "Rate the service"
//! [i18n.en.questions.got_it]
//! label = "Did you get what you needed?"
//! options = { yes = "Yes", no = "No" }
//! ```
//!
//! A translation cannot restate a fact (unknown keys are refused), so an answer to any
//! language's page is one answer to the same survey and version.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{QuestionKind, Survey};
use crate::definition::DefinitionError;

/// The texts of a survey in one language; a text left out stays as in the source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyText {
    /// Heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Introduction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    /// Thank-you text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thanks: Option<String>,
    /// Question texts by question id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub questions: BTreeMap<String, QuestionText>,
}

/// The texts of one question in one language.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionText {
    /// The question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Rating: the five words, worst to best.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Choice: the text of each option, by its value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// Text: the hint under the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Survey {
    /// The survey as a page in `lang` shows it: the translation's texts where it has them,
    /// the source's elsewhere, and no translations inside (pages embed one language).
    pub fn localized(&self, lang: &str) -> Survey {
        let mut out = self.clone();
        out.i18n.clear();
        let Some(t) = self.i18n.get(lang) else {
            return out;
        };
        let pick = |text: &Option<String>, into: &mut String| {
            if let Some(text) = text {
                into.clone_from(text);
            }
        };
        pick(&t.title, &mut out.title);
        pick(&t.thanks, &mut out.thanks);
        if t.intro.is_some() {
            out.intro.clone_from(&t.intro);
        }
        for q in &mut out.questions {
            let Some(qt) = t.questions.get(&q.id) else {
                continue;
            };
            pick(&qt.label, &mut q.label);
            if qt.labels.len() == q.labels.len() {
                q.labels.clone_from(&qt.labels);
            }
            for o in &mut q.options {
                if let Some(label) = qt.options.get(&o.value) {
                    o.label.clone_from(label);
                }
            }
            if qt.hint.is_some() {
                q.hint.clone_from(&qt.hint);
            }
        }
        out
    }

    /// Checks the translations against the source: every question and option they name
    /// exists, and each text fits its question's kind.
    pub(crate) fn check_translations(&self, found: &mut Vec<DefinitionError>) {
        let mut push = |field: String, message: &str| {
            found.push(DefinitionError {
                field,
                message: message.to_owned(),
            })
        };
        for (lang, t) in &self.i18n {
            if !crate::is_tag(lang) || lang.len() > 8 {
                push(
                    format!("i18n.{lang}"),
                    "код языка, например `en` / a language code such as `en`",
                );
            }
            for (id, qt) in &t.questions {
                let at = |f: &str| format!("i18n.{lang}.questions.{id}{f}");
                let Some(q) = self.questions.iter().find(|q| &q.id == id) else {
                    push(
                        at(""),
                        "в опросе нет такого вопроса / the survey has no such question",
                    );
                    continue;
                };
                if !qt.labels.is_empty() && (q.kind != QuestionKind::Rating || qt.labels.len() != 5)
                {
                    push(
                        at(".labels"),
                        "5 слов только у оценки / only a rating has 5 words",
                    );
                }
                if qt.hint.is_some() && q.kind != QuestionKind::Text {
                    push(
                        at(".hint"),
                        "подсказка только у текста / only a text question has a hint",
                    );
                }
                for value in qt.options.keys() {
                    if !q.options.iter().any(|o| &o.value == value) {
                        push(
                            at(&format!(".options.{value}")),
                            "у вопроса нет такого варианта / the question has no such option",
                        );
                    }
                }
            }
        }
    }
}
