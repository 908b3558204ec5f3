//! The rules for an acceptable answer: the one place they live, used by the collector on
//! every answer and by the widget before it sends one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    Answer, AnswerValue, Envelope, MAX_CLIENT_ID_LEN, Question, QuestionKind, Survey, char_count,
    concat, is_tag,
};

/// Why an answer was refused: the field it concerns and a short message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field, e.g. `answers.rating` or `version`.
    pub field: String,
    /// What is wrong, in Russian first.
    pub message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

impl Survey {
    /// Validates an answer against this survey. `service_known` says whether the collector
    /// knows the answer's service; the survey id and version must match this definition.
    pub fn validate(&self, answer: &Answer) -> Result<(), FieldError> {
        self.validate_envelope(&Envelope {
            client_id: &answer.client_id,
            survey: &answer.survey,
            version: answer.version,
            source: &answer.source,
            lang: &answer.lang,
        })?;
        for key in answer.answers.keys() {
            if !self.questions.iter().any(|q| &q.id == key) {
                return Err(FieldError::new(
                    concat(&["answers.", key]),
                    message!("в опросе нет такого вопроса / no such question"),
                ));
            }
        }
        match self.answer_errors(&answer.answers).into_iter().next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Checks everything in an answer but the answers themselves: client id, survey id and
    /// version, source and language. Part of [`Survey::validate`]; the widget calls it with
    /// [`Survey::answer_errors_by`] so that it needs no `Answer` (and no map) of its own.
    pub fn validate_envelope(&self, answer: &Envelope<'_>) -> Result<(), FieldError> {
        if answer.client_id.len() < 8
            || answer.client_id.len() > MAX_CLIENT_ID_LEN
            || !is_tag(answer.client_id)
        {
            return Err(FieldError::new(
                "client_id",
                message!(
                    "нужен случайный id от 8 до 64 символов / a random id of 8 to 64 characters is required"
                ),
            ));
        }
        if answer.survey != self.id {
            return Err(FieldError::new(
                "survey",
                message!(
                    "ожидался опрос «",
                    &self.id,
                    "» / expected survey `",
                    &self.id,
                    "`"
                ),
            ));
        }
        if answer.version != self.version {
            return Err(FieldError::new(
                "version",
                message!(
                    "версия опроса устарела, ожидалась ",
                    &crate::number(self.version as usize),
                    " / wrong survey version, expected ",
                    &crate::number(self.version as usize),
                ),
            ));
        }
        if !is_tag(answer.source) {
            return Err(FieldError::new(
                "source",
                message!(
                    "источник: `web` или метка места приёма / source: `web` or a location tag"
                ),
            ));
        }
        if !is_tag(answer.lang) || answer.lang.len() > 8 {
            return Err(FieldError::new(
                "lang",
                message!("код языка, например `ru` / a language code such as `ru`"),
            ));
        }
        Ok(())
    }

    /// Checks the answers question by question (required, kind, range, length) and returns
    /// every problem, in question order, so that a form can name each one next to its
    /// question. Answers to unknown questions are not checked here (see [`Survey::validate`]).
    pub fn answer_errors(&self, answers: &BTreeMap<String, AnswerValue>) -> Vec<FieldError> {
        self.answer_errors_by(|id| answers.get(id))
    }

    /// [`Survey::answer_errors`] with the answers looked up by question id through `answer`,
    /// for callers that keep them in something other than a `BTreeMap` (the widget: each map
    /// type costs kilobytes of WebAssembly).
    pub fn answer_errors_by<'a>(
        &self,
        answer: impl Fn(&str) -> Option<&'a AnswerValue>,
    ) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for q in &self.questions {
            if let Some(error) = q.answer_error(answer(&q.id)) {
                errors.push(error);
            }
        }
        errors
    }
}

impl Question {
    fn answer_error(&self, value: Option<&AnswerValue>) -> Option<FieldError> {
        let q = self;
        let field = || concat(&["answers.", &q.id]);
        let Some(value) = value else {
            return q.required.then(|| {
                FieldError::new(
                    field(),
                    message!("ответьте на этот вопрос / this question needs an answer"),
                )
            });
        };
        match (q.kind, value) {
            (QuestionKind::Rating, AnswerValue::Rating(n)) if (1..=5).contains(n) => None,
            (QuestionKind::Rating, _) => Some(FieldError::new(
                field(),
                message!("оценка: число от 1 до 5 / rating: a number from 1 to 5"),
            )),
            (QuestionKind::Choice, AnswerValue::Text(v))
                if q.options.iter().any(|o| &o.value == v) =>
            {
                None
            }
            (QuestionKind::Choice, _) => Some(FieldError::new(
                field(),
                message!("такого варианта нет / unknown option"),
            )),
            (QuestionKind::Text, AnswerValue::Text(t)) => {
                let max_len = q.text_limit();
                (char_count(t) > max_len).then(|| {
                    FieldError::new(
                        field(),
                        message!(
                            "текст длиннее ",
                            &crate::number(max_len),
                            " символов / text longer than ",
                            &crate::number(max_len),
                            " characters",
                        ),
                    )
                })
            }
            (QuestionKind::Text, _) => Some(FieldError::new(
                field(),
                message!("ожидался текст / text expected"),
            )),
        }
    }
}

impl Survey {
    /// Turns form fields (name, value), as a no-JS form posts them, into answer values:
    /// ratings become numbers, empty fields are dropped. Unknown names are kept so that
    /// [`Survey::validate`] names them.
    pub fn answers_from_form<'a>(
        &self,
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<BTreeMap<String, AnswerValue>, FieldError> {
        let mut out = BTreeMap::new();
        for (name, value) in fields {
            if value.trim().is_empty() {
                continue;
            }
            let is_rating = self
                .questions
                .iter()
                .any(|q| q.id == name && q.kind == QuestionKind::Rating);
            let v = if is_rating {
                match value.trim().parse::<u8>() {
                    Ok(n) => AnswerValue::Rating(n),
                    Err(_) => {
                        return Err(FieldError::new(
                            concat(&["answers.", name]),
                            message!("оценка: число от 1 до 5 / rating: a number from 1 to 5"),
                        ));
                    }
                }
            } else {
                AnswerValue::Text(value.to_owned())
            };
            out.insert(name.to_owned(), v);
        }
        Ok(out)
    }
}
