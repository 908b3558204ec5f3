//! The plain (no-JavaScript) survey form as posted: its fields read once, then turned into
//! an [`Answer`]. Field names come from [`yasno_survey_core::wire::field`].

use std::collections::BTreeMap;

use yasno_survey_core::wire::field;
use yasno_survey_core::{Answer, Survey};

use super::api_error::{ApiError, invalid};

/// The fields of a no-JS form post.
pub(crate) struct FormPost {
    service: String,
    survey: String,
    version: String,
    source: String,
    lang: String,
    /// Path of the page to return to.
    pub(crate) return_to: String,
    /// The honeypot field: filled only by bots.
    pub(crate) honeypot: String,
    client_id: Option<String>,
    questions: Vec<(String, String)>,
}

impl FormPost {
    /// Language of the page the form was on (`ru` when the form did not say).
    pub(crate) fn lang(&self) -> &str {
        if self.lang.is_empty() {
            "ru"
        } else {
            &self.lang
        }
    }

    /// Reads the urlencoded `body`; a question sent twice is refused.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, ApiError> {
        let mut post = FormPost {
            service: String::new(),
            survey: String::new(),
            version: String::new(),
            source: String::new(),
            lang: String::new(),
            return_to: String::new(),
            honeypot: String::new(),
            client_id: None,
            questions: Vec::new(),
        };
        for (name, value) in form_urlencoded::parse(body) {
            let slot = match name.as_ref() {
                field::SERVICE => &mut post.service,
                field::SURVEY => &mut post.survey,
                field::VERSION => &mut post.version,
                field::SOURCE => &mut post.source,
                field::LANG => &mut post.lang,
                field::RETURN_TO => &mut post.return_to,
                field::HONEYPOT => &mut post.honeypot,
                field::CLIENT_ID => post.client_id.get_or_insert_with(String::new),
                _ => {
                    if post.questions.iter().any(|(n, _)| *n == name) {
                        return Err(invalid(
                            &format!("answers.{name}"),
                            "поле повторяется / the field is sent twice",
                        ));
                    }
                    post.questions.push((name.into_owned(), value.into_owned()));
                    continue;
                }
            };
            *slot = value.into_owned();
        }
        Ok(post)
    }

    /// The answer the form gives for the survey of its service in `surveys`; the plain
    /// form has no client id, so one is made.
    pub(crate) fn into_answer(
        self,
        surveys: &BTreeMap<String, Survey>,
    ) -> Result<Answer, ApiError> {
        let Some(survey) = surveys.get(&self.service) else {
            return Err(invalid(
                field::SERVICE,
                "такой услуги нет или опрос для неё выключен / unknown service, or its survey is off",
            ));
        };
        let version = self.version.trim().parse::<u32>().map_err(|_| {
            invalid(
                field::VERSION,
                "версия опроса: целое число / survey version: a whole number",
            )
        })?;
        let answers = survey
            .answers_from_form(self.questions.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            .map_err(super::api_error::field_error)?;
        Ok(Answer {
            client_id: self.client_id.unwrap_or_else(new_client_id),
            service: self.service,
            survey: self.survey,
            version,
            source: if self.source.is_empty() {
                "web".into()
            } else {
                self.source
            },
            lang: if self.lang.is_empty() {
                "ru".into()
            } else {
                self.lang
            },
            answers,
        })
    }
}

/// A random client id for an answer that came without one (the plain form's).
fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
