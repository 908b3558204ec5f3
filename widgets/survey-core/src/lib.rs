//! Survey definitions and answer types shared by the survey widget (wasm32) and the collector
//! (native), so that the two can never disagree on the wire format.
//!
//! Invariants owned here:
//! - a [`Survey`] is the whole definition a widget needs to draw itself and a collector needs to
//!   validate an answer; it is embedded in each page as JSON;
//! - [`Survey::validate`] is the one place where the rules for an acceptable [`Answer`] live
//!   (in `validate.rs`; the editor's definition is checked in `definition.rs`);
//! - [`wire`] spells the wire contract (the answers path, the plain form's field names) that
//!   the page, the widget and the collector share.
//!
//! This crate has no dependencies but serde, so the widget stays small.

/// A refusal message, "по-русски / in English", joined from its parts. Without the `messages`
/// feature (the widget, which shows its page's own strings) it is empty and its parts are
/// never built, so no language's text is compiled into the widget.
macro_rules! message {
    ($($part:expr),+ $(,)?) => {{
        #[cfg(feature = "messages")]
        let text = $crate::concat(&[$($part),+]);
        #[cfg(not(feature = "messages"))]
        let text = String::new();
        text
    }};
}

mod definition;
mod translate;
mod validate;
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
    /// The texts in other languages, by language code (`[i18n.en]`): texts only, the facts
    /// above are written once.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub i18n: BTreeMap<String, SurveyText>,
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

/// A plain tag: latin letters, digits, `-` or `_`, at most [`MAX_TAG_LEN`] bytes.
fn is_tag(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_TAG_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
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
        i18n: BTreeMap::new(),
    }
}

pub use definition::DefinitionError;
pub use translate::{QuestionText, SurveyText};
pub use validate::FieldError;

#[cfg(test)]
mod tests;
