//! Survey definitions and answer types shared by the survey widget (wasm32) and the collector
//! (native), so that the two can never disagree on the wire format.
//!
//! Invariants owned here:
//! - a [`Survey`] is the whole definition a widget needs to draw itself and a collector needs to
//!   validate an answer; it is embedded in each page as JSON;
//! - [`Survey::validate`] is the one place where the rules for an acceptable [`Answer`] live.
//!
//! - [`wire`] spells the wire contract (the answers path, the plain form's field names) that
//!   the page, the widget and the collector share.
//!
//! This crate has no dependencies but serde, so the widget stays small.

pub mod wire;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Longest accepted client id, in bytes.
pub const MAX_CLIENT_ID_LEN: usize = 64;
/// Longest accepted service slug, survey id, source tag or language code, in bytes.
pub const MAX_TAG_LEN: usize = 64;
/// Default limit for a free-text answer, in characters.
pub const DEFAULT_TEXT_LIMIT: usize = 1000;

/// A survey definition as editors write it (TOML or YAML) and as pages embed it (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Survey {
    /// Stable id of the survey, e.g. `default`.
    pub id: String,
    /// Version of the definition; answers name the version they answer.
    pub version: u32,
    /// Heading shown above the questions.
    pub title: String,
    /// Optional short introduction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    /// The questions, in order.
    pub questions: Vec<Question>,
    /// Text shown after a successful submission.
    #[serde(default = "default_thanks")]
    pub thanks: String,
}

fn default_thanks() -> String {
    "Спасибо! Ваш ответ получен.".to_owned()
}

/// One question of a survey. A flat struct (rather than a tagged enum) so that unknown keys
/// are refused with serde's `deny_unknown_fields`; [`Survey::check_definition`] checks that
/// the keys fit the kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable id, used as the form field name and the answer key.
    pub id: String,
    /// The question as the visitor reads it.
    pub label: String,
    /// Whether an answer is required.
    #[serde(default)]
    pub required: bool,
    /// Kind of the question.
    pub kind: QuestionKind,
    /// Rating: five words from worst to best (index 0 is the word for 1); defaults apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Choice: the options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// Text: maximum length in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<usize>,
    /// Text: hint shown under the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// The kinds of question a survey can ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// A rating from 1 to 5, with a word for each point.
    Rating,
    /// One option out of several.
    Choice,
    /// Free text with a length limit.
    Text,
}

impl Question {
    /// Fills in the defaults for the question's kind (rating words, text limit and hint), so
    /// that pages embed a complete definition and the widget needs no defaults of its own.
    pub fn normalize(&mut self) {
        match self.kind {
            QuestionKind::Rating if self.labels.is_empty() => self.labels = default_rating_labels(),
            QuestionKind::Text => {
                self.max_len.get_or_insert(DEFAULT_TEXT_LIMIT);
                self.hint.get_or_insert_with(default_text_hint);
            }
            _ => {}
        }
    }

    /// The text limit of a text question.
    pub fn text_limit(&self) -> usize {
        self.max_len.unwrap_or(DEFAULT_TEXT_LIMIT)
    }
}

/// The five default words of a rating, from 1 to 5.
pub fn default_rating_labels() -> Vec<String> {
    [
        "Очень плохо",
        "Плохо",
        "Удовлетворительно",
        "Хорошо",
        "Отлично",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

fn default_text_hint() -> String {
    "Не указывайте ФИО, телефон и адрес.".to_owned()
}

/// One option of a choice question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// Stable value sent with the answer.
    pub value: String,
    /// Text the visitor reads.
    pub label: String,
}

/// The value given for one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    /// A rating from 1 to 5.
    Rating(u8),
    /// A choice value or free text.
    Text(String),
}

/// An answer as the widget sends it (JSON) and the collector stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Random id made by the client; the same id twice is stored once.
    pub client_id: String,
    /// Slug of the service the answer is about.
    pub service: String,
    /// Id of the survey answered.
    pub survey: String,
    /// Version of the survey answered.
    pub version: u32,
    /// `web`, or the tag of the reception location from a QR link.
    pub source: String,
    /// Language of the page, e.g. `ru`.
    pub lang: String,
    /// Answers by question id; unanswered optional questions are absent.
    pub answers: BTreeMap<String, AnswerValue>,
}

/// The parts of an [`Answer`] other than the answers themselves, borrowed: what
/// [`Survey::validate_envelope`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// Random id made by the client.
    pub client_id: &'a str,
    /// Id of the survey answered.
    pub survey: &'a str,
    /// Version of the survey answered.
    pub version: u32,
    /// `web`, or the tag of the reception location.
    pub source: &'a str,
    /// Language of the page.
    pub lang: &'a str,
}

/// Length of a text in characters (Unicode scalar values), as the text limit counts it: the
/// number of bytes that do not continue a UTF-8 sequence. The same count as
/// `s.chars().count()`, in less WebAssembly.
pub fn char_count(s: &str) -> usize {
    s.bytes().filter(|&b| (b as i8) >= -0x40).count()
}

/// A number in decimal. The messages here are built with `concat` and this rather than
/// `format!`, which costs the widget the formatting machinery.
pub fn number(mut n: usize) -> String {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[i..].iter().map(|&d| char::from(d)).collect()
}

/// Joins pieces of text into one string.
pub fn concat(parts: &[&str]) -> String {
    parts.concat()
}

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

/// A problem in a survey definition written by an editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    /// Path of the field, e.g. `questions[1].options`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn is_tag(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_TAG_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Survey {
    /// Checks the definition itself: unique ids, five rating words, at least two options.
    pub fn check_definition(&self) -> Vec<DefinitionError> {
        let mut errors = Vec::new();
        let mut push = |field: String, message: &str| {
            errors.push(DefinitionError {
                field,
                message: message.to_owned(),
            })
        };
        if !is_tag(&self.id) {
            push(
                "id".into(),
                "id опроса: латинские буквы, цифры, '-' или '_' / survey id: latin letters, digits, '-' or '_'",
            );
        }
        if self.questions.is_empty() {
            push(
                "questions".into(),
                "в опросе нет вопросов / the survey has no questions",
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            let at = |f: &str| format!("questions[{i}].{f}");
            if !is_tag(&q.id) {
                push(
                    at("id"),
                    "id вопроса: латинские буквы, цифры, '-' или '_' / question id: latin letters, digits, '-' or '_'",
                );
            }
            if !seen.insert(q.id.as_str()) {
                push(
                    at("id"),
                    "такой id уже есть в опросе / this id is used twice",
                );
            }
            match q.kind {
                QuestionKind::Rating if !q.labels.is_empty() && q.labels.len() != 5 => push(
                    at("labels"),
                    "нужно ровно 5 слов, от худшего к лучшему / exactly 5 words are needed, worst to best",
                ),
                QuestionKind::Choice => {
                    if q.options.len() < 2 {
                        push(
                            at("options"),
                            "нужно хотя бы 2 варианта / at least 2 options are needed",
                        );
                    }
                    let mut values = std::collections::BTreeSet::new();
                    for o in &q.options {
                        if !values.insert(o.value.as_str()) || !is_tag(&o.value) {
                            push(
                                at("options"),
                                "значения вариантов должны быть разными, латиницей / option values must be distinct latin tags",
                            );
                            break;
                        }
                    }
                }
                QuestionKind::Text if q.max_len.is_some_and(|n| n == 0 || n > 10_000) => push(
                    at("max_len"),
                    "ограничение длины: от 1 до 10000 символов / length limit: 1 to 10000 characters",
                ),
                _ => {}
            }
            let misplaced = match q.kind {
                QuestionKind::Rating => {
                    (!q.options.is_empty() || q.max_len.is_some() || q.hint.is_some())
                        .then_some("labels")
                }
                QuestionKind::Choice => {
                    (!q.labels.is_empty() || q.max_len.is_some() || q.hint.is_some())
                        .then_some("options")
                }
                QuestionKind::Text => {
                    (!q.labels.is_empty() || !q.options.is_empty()).then_some("max_len, hint")
                }
            };
            if let Some(allowed) = misplaced {
                push(
                    at("kind"),
                    &format!(
                        "у вопроса этого вида могут быть только поля: {allowed} / this kind of question takes only: {allowed}"
                    ),
                );
            }
        }
        errors
    }

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
                    "в опросе нет такого вопроса / no such question",
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
                "нужен случайный id от 8 до 64 символов / a random id of 8 to 64 characters is required",
            ));
        }
        if answer.survey != self.id {
            let id = self.id.as_str();
            return Err(FieldError::new(
                "survey",
                concat(&["ожидался опрос «", id, "» / expected survey `", id, "`"]),
            ));
        }
        if answer.version != self.version {
            let v = number(self.version as usize);
            return Err(FieldError::new(
                "version",
                concat(&[
                    "версия опроса устарела, ожидалась ",
                    &v,
                    " / wrong survey version, expected ",
                    &v,
                ]),
            ));
        }
        if !is_tag(answer.source) {
            return Err(FieldError::new(
                "source",
                "источник: `web` или метка места приёма / source: `web` or a location tag",
            ));
        }
        if !is_tag(answer.lang) || answer.lang.len() > 8 {
            return Err(FieldError::new(
                "lang",
                "код языка, например `ru` / a language code such as `ru`",
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
                    "ответьте на этот вопрос / this question needs an answer",
                )
            });
        };
        match (q.kind, value) {
            (QuestionKind::Rating, AnswerValue::Rating(n)) if (1..=5).contains(n) => None,
            (QuestionKind::Rating, _) => Some(FieldError::new(
                field(),
                "оценка: число от 1 до 5 / rating: a number from 1 to 5",
            )),
            (QuestionKind::Choice, AnswerValue::Text(v))
                if q.options.iter().any(|o| &o.value == v) =>
            {
                None
            }
            (QuestionKind::Choice, _) => Some(FieldError::new(
                field(),
                "такого варианта нет / unknown option",
            )),
            (QuestionKind::Text, AnswerValue::Text(t)) => {
                let max_len = q.text_limit();
                (char_count(t) > max_len).then(|| {
                    let n = number(max_len);
                    FieldError::new(
                        field(),
                        concat(&[
                            "текст длиннее ",
                            &n,
                            " символов / text longer than ",
                            &n,
                            " characters",
                        ]),
                    )
                })
            }
            (QuestionKind::Text, _) => {
                Some(FieldError::new(field(), "ожидался текст / text expected"))
            }
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
                            "оценка: число от 1 до 5 / rating: a number from 1 to 5",
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

/// The survey every service gets unless the site or the service says otherwise.
pub fn default_survey() -> Survey {
    Survey {
        id: "default".into(),
        version: 1,
        title: "Оцените, как мы вас обслужили".into(),
        intro: Some("Это займёт 1 минуту. Ответ анонимный.".into()),
        questions: vec![
            Question {
                id: "rating".into(),
                label: "Насколько вы довольны услугой?".into(),
                required: true,
                kind: QuestionKind::Rating,
                labels: default_rating_labels(),
                options: vec![],
                max_len: None,
                hint: None,
            },
            Question {
                id: "got_result".into(),
                label: "Вы получили то, что нужно?".into(),
                required: false,
                kind: QuestionKind::Choice,
                labels: vec![],
                max_len: None,
                hint: None,
                options: vec![
                    ChoiceOption {
                        value: "yes".into(),
                        label: "Да".into(),
                    },
                    ChoiceOption {
                        value: "partly".into(),
                        label: "Частично".into(),
                    },
                    ChoiceOption {
                        value: "no".into(),
                        label: "Нет".into(),
                    },
                ],
            },
            Question {
                id: "comment".into(),
                label: "Что нам сделать лучше?".into(),
                required: false,
                kind: QuestionKind::Text,
                labels: vec![],
                options: vec![],
                max_len: Some(500),
                hint: Some(default_text_hint()),
            },
        ],
        thanks: default_thanks(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer() -> Answer {
        Answer {
            client_id: "abcdef0123456789".into(),
            service: "opeka".into(),
            survey: "default".into(),
            version: 1,
            source: "web".into(),
            lang: "ru".into(),
            answers: BTreeMap::from([
                ("rating".into(), AnswerValue::Rating(5)),
                ("got_result".into(), AnswerValue::Text("yes".into())),
            ]),
        }
    }

    #[test]
    fn default_survey_is_a_valid_definition() {
        assert_eq!(default_survey().check_definition(), vec![]);
    }

    #[test]
    fn accepts_a_valid_answer_and_round_trips_json() {
        let s = default_survey();
        let a = answer();
        assert_eq!(s.validate(&a), Ok(()));
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains(r#""rating":5"#), "{json}");
        assert_eq!(serde_json::from_str::<Answer>(&json).unwrap(), a);
        let sj = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Survey>(&sj).unwrap(), s);
    }

    #[test]
    fn names_the_field_of_each_refusal() {
        let s = default_survey();
        type Mutation = Box<dyn Fn(&mut Answer)>;
        let cases: Vec<(Mutation, &str)> = vec![
            (Box::new(|a| a.answers.clear()), "answers.rating"),
            (
                Box::new(|a| {
                    a.answers.insert("rating".into(), AnswerValue::Rating(6));
                }),
                "answers.rating",
            ),
            (
                Box::new(|a| {
                    a.answers
                        .insert("got_result".into(), AnswerValue::Text("maybe".into()));
                }),
                "answers.got_result",
            ),
            (
                Box::new(|a| {
                    a.answers
                        .insert("comment".into(), AnswerValue::Text("я".repeat(501)));
                }),
                "answers.comment",
            ),
            (
                Box::new(|a| {
                    a.answers
                        .insert("nope".into(), AnswerValue::Text("x".into()));
                }),
                "answers.nope",
            ),
            (Box::new(|a| a.version = 2), "version"),
            (Box::new(|a| a.client_id = "x".into()), "client_id"),
            (Box::new(|a| a.source = "<script>".into()), "source"),
        ];
        for (mutate, field) in cases {
            let mut a = answer();
            mutate(&mut a);
            assert_eq!(s.validate(&a).unwrap_err().field, field);
        }
    }

    #[test]
    fn answer_errors_names_every_problem_in_question_order() {
        let mut s = default_survey();
        s.questions[1].required = true;
        let answers = BTreeMap::from([("comment".to_owned(), AnswerValue::Text("я".repeat(501)))]);
        let fields: Vec<_> = s
            .answer_errors(&answers)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            vec!["answers.rating", "answers.got_result", "answers.comment"]
        );
        assert!(s.answer_errors(&answer().answers).is_empty());
    }

    #[test]
    fn helpers_match_the_standard_library() {
        for s in ["", "abc", "ж".repeat(7).as_str(), "a😀ж\u{301}"] {
            assert_eq!(char_count(s), s.chars().count(), "{s}");
        }
        for n in [0, 7, 10, 500, 1000, 10_000, usize::MAX] {
            assert_eq!(number(n), n.to_string());
        }
        assert_eq!(concat(&["answers.", "rating"]), "answers.rating");
    }

    #[test]
    fn envelope_and_answer_errors_by_agree_with_validate() {
        let s = default_survey();
        let mut a = answer();
        a.version = 3;
        let e = s
            .validate_envelope(&Envelope {
                client_id: &a.client_id,
                survey: &a.survey,
                version: a.version,
                source: &a.source,
                lang: &a.lang,
            })
            .unwrap_err();
        assert_eq!(Err(e.clone()), s.validate(&a));
        assert_eq!(
            e.message,
            "версия опроса устарела, ожидалась 1 / wrong survey version, expected 1"
        );
        a.survey = "other".into();
        assert_eq!(
            s.validate(&a).unwrap_err().message,
            "ожидался опрос «default» / expected survey `default`"
        );
        let long = AnswerValue::Text("я".repeat(501));
        let errors = s.answer_errors_by(|id| (id == "comment").then_some(&long));
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["answers.rating", "answers.comment"]);
        assert_eq!(
            errors[1].message,
            "текст длиннее 500 символов / text longer than 500 characters"
        );
    }

    #[test]
    fn text_limit_counts_characters_not_bytes() {
        let s = default_survey();
        let mut a = answer();
        a.answers
            .insert("comment".into(), AnswerValue::Text("ж".repeat(500)));
        assert_eq!(s.validate(&a), Ok(()));
    }

    #[test]
    fn form_fields_become_typed_answers() {
        let s = default_survey();
        let got = s
            .answers_from_form([("rating", "4"), ("got_result", "no"), ("comment", "")])
            .unwrap();
        assert_eq!(got.get("rating"), Some(&AnswerValue::Rating(4)));
        assert_eq!(got.get("got_result"), Some(&AnswerValue::Text("no".into())));
        assert!(!got.contains_key("comment"));
        assert_eq!(
            s.answers_from_form([("rating", "five")]).unwrap_err().field,
            "answers.rating"
        );
    }

    #[test]
    fn definition_mistakes_are_named() {
        let mut s = default_survey();
        s.questions[1].options.clear();
        s.questions[2].id = "rating".into();
        let fields: Vec<_> = s.check_definition().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["questions[1].options", "questions[2].id"]);
    }

    #[test]
    fn survey_parses_from_editor_toml_shape_via_json() {
        let json = r#"{"id":"short","version":3,"title":"T","questions":[
            {"id":"r","label":"Оценка","required":true,"kind":"rating"},
            {"id":"c","label":"Выбор","kind":"choice","options":[{"value":"a","label":"A"},{"value":"b","label":"B"}]},
            {"id":"t","label":"Текст","kind":"text","max_len":100}]}"#;
        let s: Survey = serde_json::from_str(json).unwrap();
        assert_eq!(s.check_definition(), vec![]);
        let mut q = s.questions[0].clone();
        q.normalize();
        assert_eq!(q.labels.len(), 5);
    }
}
