//! Unit tests of the survey definitions and answer rules.

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

#[test]
fn a_translation_replaces_only_the_texts_it_has_and_answers_stay_the_same() {
    let mut s = default_survey();
    let text: SurveyText = serde_json::from_value(serde_json::json!({
        "title": "Rate us",
        "questions": {
            "rating": {"labels": ["1", "2", "3", "4", "5"]},
            "got_result": {"label": "Got it?", "options": {"no": "No"}}
        }
    }))
    .unwrap();
    s.i18n.insert("en".into(), text);
    assert!(s.check_definition().is_empty());
    let en = s.localized("en");
    assert_eq!(en.title, "Rate us");
    assert_eq!(en.intro, s.intro, "a text left out stays");
    assert_eq!(en.questions[0].labels[4], "5");
    assert_eq!(en.questions[1].label, "Got it?");
    assert_eq!(
        en.questions[1].options[0].label, "Да",
        "an option left out stays"
    );
    assert_eq!(en.questions[1].options[2].label, "No");
    assert!(en.i18n.is_empty(), "a page embeds one language");
    // The facts are the source's: an answer from the English page is valid for both.
    let mut a = answer();
    a.lang = "en".into();
    assert_eq!(en.validate(&a), Ok(()));
    assert_eq!(s.validate(&a), Ok(()));
    // A language without a translation gets the source.
    assert_eq!(s.localized("uz").title, s.title);
}

#[test]
fn a_translation_of_a_missing_question_or_option_or_with_four_words_is_named() {
    let mut s = default_survey();
    let text: SurveyText = serde_json::from_value(serde_json::json!({
        "questions": {
            "nope": {"label": "?"},
            "rating": {"labels": ["1", "2", "3", "4"]},
            "got_result": {"options": {"maybe": "Maybe"}},
            "comment": {"options": {"yes": "Yes"}}
        }
    }))
    .unwrap();
    s.i18n.insert("en".into(), text);
    let fields: Vec<String> = s.check_definition().into_iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            "i18n.en.questions.comment.options.yes",
            "i18n.en.questions.got_result.options.maybe",
            "i18n.en.questions.nope",
            "i18n.en.questions.rating.labels",
        ]
    );
}
