//! The wire contract between a page, the widget and the collector, spelled once: where
//! answers are posted and the names of the fields of the plain (no-JavaScript) form. The
//! widget's JSON uses the same names, as the fields of [`crate::Answer`].

use serde::Serialize;

/// Path of the collector's answer endpoint, appended to the collector's URL (empty: the
/// site's own origin).
pub const ANSWERS_PATH: &str = "/api/answers";

/// Names of the fields a survey form posts besides the questions (each question posts under
/// its id).
pub mod field {
    /// Slug of the service.
    pub const SERVICE: &str = "service";
    /// Survey id.
    pub const SURVEY: &str = "survey";
    /// Survey version.
    pub const VERSION: &str = "version";
    /// `web` or a reception location tag.
    pub const SOURCE: &str = "source";
    /// Language of the page.
    pub const LANG: &str = "lang";
    /// Random id of the answer (the widget's; the plain form has none).
    pub const CLIENT_ID: &str = "client_id";
    /// The answers by question id (JSON only).
    pub const ANSWERS: &str = "answers";
    /// Path of the page to return to after a plain form post.
    pub const RETURN_TO: &str = "return_to";
    /// Hidden from people; a post that fills it is a bot's and is dropped.
    pub const HONEYPOT: &str = "website";
}

/// Id of the thank-you note on a survey page: the collector sends a plain form post back to
/// `{return_to}#survey-thanks`.
pub const THANKS_ID: &str = "survey-thanks";

/// The form's field names as one value, for templates (`site.survey_form.service`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FormFields {
    /// [`field::SERVICE`].
    pub service: &'static str,
    /// [`field::SURVEY`].
    pub survey: &'static str,
    /// [`field::VERSION`].
    pub version: &'static str,
    /// [`field::SOURCE`].
    pub source: &'static str,
    /// [`field::LANG`].
    pub lang: &'static str,
    /// [`field::RETURN_TO`].
    pub return_to: &'static str,
    /// [`field::HONEYPOT`].
    pub honeypot: &'static str,
    /// [`THANKS_ID`].
    pub thanks_id: &'static str,
}

/// The form's field names.
pub const FORM_FIELDS: FormFields = FormFields {
    service: field::SERVICE,
    survey: field::SURVEY,
    version: field::VERSION,
    source: field::SOURCE,
    lang: field::LANG,
    return_to: field::RETURN_TO,
    honeypot: field::HONEYPOT,
    thanks_id: THANKS_ID,
};

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::Answer;

    #[test]
    fn the_json_answer_uses_the_form_field_names() {
        let answer = Answer {
            client_id: "client-0001".into(),
            service: "s".into(),
            survey: "default".into(),
            version: 1,
            source: "web".into(),
            lang: "ru".into(),
            answers: BTreeMap::new(),
        };
        let json = serde_json::to_value(&answer).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort_unstable();
        let mut names = [
            field::ANSWERS,
            field::CLIENT_ID,
            field::LANG,
            field::SERVICE,
            field::SOURCE,
            field::SURVEY,
            field::VERSION,
        ];
        names.sort_unstable();
        assert_eq!(keys, names);
    }
}
