//! Checking a survey definition as an editor wrote it.

use super::{Question, QuestionKind, Survey, is_tag};

/// A problem in a survey definition written by an editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    /// Path of the field, e.g. `questions[1].options`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// The problems found so far, each added with its field path.
#[derive(Default)]
struct Found(Vec<DefinitionError>);

impl Found {
    fn push(&mut self, field: String, message: &str) {
        self.0.push(DefinitionError {
            field,
            message: message.to_owned(),
        });
    }
}

impl Survey {
    /// Checks the definition itself: unique ids, five rating words, at least two options.
    pub fn check_definition(&self) -> Vec<DefinitionError> {
        let mut found = Found::default();
        if !is_tag(&self.id) {
            found.push(
                "id".into(),
                "id опроса: латинские буквы, цифры, '-' или '_' / survey id: latin letters, digits, '-' or '_'",
            );
        }
        if self.questions.is_empty() {
            found.push(
                "questions".into(),
                "в опросе нет вопросов / the survey has no questions",
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            let at = |f: &str| format!("questions[{i}].{f}");
            if !is_tag(&q.id) {
                found.push(
                    at("id"),
                    "id вопроса: латинские буквы, цифры, '-' или '_' / question id: latin letters, digits, '-' or '_'",
                );
            }
            if !seen.insert(q.id.as_str()) {
                found.push(
                    at("id"),
                    "такой id уже есть в опросе / this id is used twice",
                );
            }
            check_kind_fields(q, &at, &mut found);
        }
        self.check_translations(&mut found.0);
        found.0
    }
}

/// Checks the fields that belong to the question's kind, and that it has no others.
fn check_kind_fields(q: &Question, at: &dyn Fn(&str) -> String, found: &mut Found) {
    match q.kind {
        QuestionKind::Rating if !q.labels.is_empty() && q.labels.len() != 5 => found.push(
            at("labels"),
            "нужно ровно 5 слов, от худшего к лучшему / exactly 5 words are needed, worst to best",
        ),
        QuestionKind::Choice => {
            if q.options.len() < 2 {
                found.push(
                    at("options"),
                    "нужно хотя бы 2 варианта / at least 2 options are needed",
                );
            }
            let mut values = std::collections::BTreeSet::new();
            for o in &q.options {
                if !values.insert(o.value.as_str()) || !is_tag(&o.value) {
                    found.push(
                        at("options"),
                        "значения вариантов должны быть разными, латиницей / option values must be distinct latin tags",
                    );
                    break;
                }
            }
        }
        QuestionKind::Text if q.max_len.is_some_and(|n| n == 0 || n > 10_000) => found.push(
            at("max_len"),
            "ограничение длины: от 1 до 10000 символов / length limit: 1 to 10000 characters",
        ),
        _ => {}
    }
    let misplaced = match q.kind {
        QuestionKind::Rating => {
            (!q.options.is_empty() || q.max_len.is_some() || q.hint.is_some()).then_some("labels")
        }
        QuestionKind::Choice => {
            (!q.labels.is_empty() || q.max_len.is_some() || q.hint.is_some()).then_some("options")
        }
        QuestionKind::Text => {
            (!q.labels.is_empty() || !q.options.is_empty()).then_some("max_len, hint")
        }
    };
    if let Some(allowed) = misplaced {
        found.push(
            at("kind"),
            &format!(
                "у вопроса этого вида могут быть только поля: {allowed} / this kind of question takes only: {allowed}"
            ),
        );
    }
}
