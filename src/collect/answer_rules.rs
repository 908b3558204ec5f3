//! Rules an answer must meet beyond its survey's own validation: what a plain JSON parse or
//! the survey cannot see (a question named twice, a source that is not a place of the
//! site), and what is changed before storing (contacts masked).

use std::collections::BTreeMap;

use serde::Deserialize;
use yasno_survey_core::{Answer, AnswerValue, FieldError, QuestionKind, Survey};

use super::report::mask::mask_contacts;

/// Refuses a JSON answer whose `answers` object names a question twice: serde would keep
/// the last silently, and which one the client meant is unknown. Other faults are left to
/// the full parse, which names them.
pub(crate) fn unique_answer_keys(body: &[u8]) -> Result<(), FieldError> {
    struct Keys;
    impl<'de> serde::de::Visitor<'de> for Keys {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of answers")
        }
        fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
            let mut seen = std::collections::BTreeSet::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<serde::de::IgnoredAny>()?;
                if !seen.insert(key.clone()) {
                    return Err(serde::de::Error::custom(format_args!("answers.{key}")));
                }
            }
            Ok(())
        }
    }
    struct UniqueKeys;
    impl<'de> Deserialize<'de> for UniqueKeys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_map(Keys).map(|()| UniqueKeys)
        }
    }
    #[derive(Deserialize)]
    struct Envelope {
        #[allow(dead_code)] // Only its parse matters.
        answers: UniqueKeys,
    }
    match serde_json::from_slice::<Envelope>(body) {
        Err(e) if e.is_data() && e.to_string().starts_with("answers.") => {
            let field = e.to_string();
            let field = field.split(' ').next().unwrap_or("answers");
            Err(FieldError {
                field: field.into(),
                message: "вопрос указан дважды / the question is answered twice".into(),
            })
        }
        _ => Ok(()),
    }
}

/// `web`, or the tag of a reception location of the site: a QR link's source that is not a
/// configured location would be counted as a place that does not exist.
pub(crate) fn check_source(
    source: &str,
    locations: &BTreeMap<String, String>,
) -> Result<(), FieldError> {
    if source == "web" || locations.contains_key(source) {
        Ok(())
    } else {
        Err(FieldError {
            field: "source".into(),
            message: "источник: `web` или метка места приёма из настроек сайта / source: `web` or a location tag of the site".into(),
        })
    }
}

/// Phone numbers and e-mail addresses in free-text answers are masked before they are
/// stored (the form asks people not to write them), with the masker the reports use.
pub(crate) fn mask_free_text(survey: &Survey, mut answer: Answer) -> Answer {
    for question in &survey.questions {
        if question.kind != QuestionKind::Text {
            continue;
        }
        if let Some(AnswerValue::Text(text)) = answer.answers.get_mut(&question.id) {
            *text = mask_contacts(text);
        }
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_answered_twice_is_named() {
        let body = br#"{"answers":{"rating":5,"comment":"a","rating":1}}"#;
        assert_eq!(
            unique_answer_keys(body).unwrap_err().field,
            "answers.rating"
        );
        assert!(unique_answer_keys(br#"{"answers":{"rating":5}}"#).is_ok());
        assert!(
            unique_answer_keys(b"not json").is_ok(),
            "left to the full parse"
        );
    }

    #[test]
    fn a_source_is_web_or_a_location_of_the_site() {
        let locations = BTreeMap::from([("mfc-1".to_owned(), "Приёмная".to_owned())]);
        assert!(check_source("web", &locations).is_ok());
        assert!(check_source("mfc-1", &locations).is_ok());
        assert_eq!(
            check_source("mfc-2", &locations).unwrap_err().field,
            "source"
        );
    }
}
