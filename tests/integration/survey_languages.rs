//! Surveys, collector replies, posters and landing pages in the site's languages (issue 16),
//! on the fixture `tests/fixtures/languages`: one service in Russian with Uzbek and English
//! translations, one reception location, the example's survey with its translations. Pages
//! are built by the real binary and parsed; the collector is the real HTTP service, set up
//! from the same site as `yasno collect` sets itself up.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use serde_json::{Value, json};
use ureq::http::StatusCode;
use yasno::collect::{self, SqliteStore, Store};
use yasno::render::i18n::Strings;
use yasno::render::views::WIDGET_TEXT;
use yasno::site::{LoadOptions, Site};

use crate::common::{Http, Json, copy_dir, html, repo, sel};

const FIXTURE: &str = "tests/fixtures/languages";
const ORIGIN: &str = "https://test.example";

/// The fixture built once, from a copy (a build keeps its cache in the site folder).
fn built() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("languages-fixture");
        let _ = std::fs::remove_dir_all(&root);
        copy_dir(&repo().join(FIXTURE), &root);
        let out = root.join("public");
        let o = Command::new(env!("CARGO_BIN_EXE_yasno"))
            .args(["build", "--root"])
            .arg(&root)
            .arg("--output")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    })
}

/// The default theme's language tables.
fn tables() -> BTreeMap<String, Strings> {
    yasno::render::i18n::load(&repo().join("themes/default/i18n"), "ru").unwrap()
}

fn site() -> Site {
    Site::load(&repo().join(FIXTURE), &LoadOptions::default()).unwrap()
}

/// The widget's data on a built page.
fn survey_data(page: &Path) -> Value {
    let doc = html(page);
    let script = doc
        .select(&sel("section#survey script.survey-data"))
        .next()
        .expect("the page embeds the survey data");
    serde_json::from_str(&script.text().collect::<String>()).unwrap()
}

#[test]
fn the_widgets_page_data_carries_the_strings_and_the_survey_of_the_pages_language() {
    let tables = tables();
    let survey = &site().surveys["default"];
    for (lang, page) in [
        ("uz", "uz/services/spravka/index.html"),
        ("en", "en/services/spravka/index.html"),
        ("ru", "services/spravka/index.html"),
    ] {
        let data = survey_data(&built().join(page));
        let t = &tables[lang];
        assert_eq!(data["lang"], lang, "{page}");
        for (key, table_key) in WIDGET_TEXT {
            assert_eq!(data["text"][key], t.get(table_key), "{page}: text.{key}");
        }
        let local = survey.localized(lang);
        assert_eq!(data["survey"]["title"], local.title.as_str(), "{page}");
        assert_eq!(
            data["survey"]["questions"][0]["labels"][4],
            local.questions[0].labels[4].as_str()
        );
        assert!(
            data["survey"].get("i18n").is_none(),
            "one language per page: {page}"
        );
        if lang != "ru" {
            // No Russian string of the widget's table, and the survey's own texts translated.
            let text = data.to_string();
            for (_, table_key) in WIDGET_TEXT {
                let ru = tables["ru"].get(table_key);
                assert!(!text.contains(ru), "{page} carries Russian «{ru}»");
            }
            assert_ne!(
                local.title, survey.title,
                "the fixture translates the survey"
            );
        }
    }
    // Nothing in the widget's bundle speaks a language: the strings are the page's. (Only
    // phrases: single words such as «required» are also HTML attribute names.)
    let wasm = std::fs::read(repo().join("widgets/survey/dist/survey_bg.wasm")).unwrap();
    for (_, table_key) in WIDGET_TEXT {
        for lang in ["ru", "en"] {
            let s = tables[lang].get(table_key);
            if !s.contains(' ') {
                continue;
            }
            assert!(
                !wasm.windows(s.len()).any(|w| w == s.as_bytes()),
                "the bundle has «{s}» compiled in"
            );
        }
    }
}

/// The collector of the fixture site on a free port, as `yasno collect` sets it up.
struct Collector {
    base: String,
    db: PathBuf,
    store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
}

impl Collector {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("answers.db");
        let store = Arc::new(SqliteStore::open(&db).unwrap());
        let config = collect::cli::from_site(&site()).config;
        let app = collect::router(config, store.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app).await.unwrap();
        });
        Collector {
            base,
            db,
            store,
            _dir: dir,
        }
    }

    async fn post(&self, content_type: &str, accept: &str, body: String) -> crate::common::Reply {
        Http::new()
            .post(format!("{}/api/answers", self.base))
            .header("content-type", content_type)
            .header("accept", accept)
            .header("origin", ORIGIN)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// (lang, version) of each stored answer.
    fn stored(&self) -> Vec<(String, i64)> {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        let mut stmt = conn
            .prepare("SELECT lang, version FROM answers ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

fn answer(lang: &str, version: u32, client_id: &str) -> String {
    json!({
        "client_id": client_id, "service": "spravka", "survey": "default", "version": version,
        "source": "web", "lang": lang, "answers": {"rating": 5}
    })
    .to_string()
}

#[tokio::test]
async fn the_collector_takes_any_site_language_and_refuses_in_the_answers_language() {
    let tables = tables();
    let c = Collector::start().await;
    let json = "application/json";
    // The same survey and version answered from the Uzbek page: accepted, stored as `uz`.
    let ok = c.post(json, json, answer("uz", 1, "uz-answer-0001")).await;
    assert_eq!(ok.status(), StatusCode::CREATED, "{}", ok.body());
    assert_eq!(c.stored(), vec![("uz".to_owned(), 1)]);

    // An old version from the Uzbek page: refused in Uzbek, the technical detail kept.
    let old = c.post(json, json, answer("uz", 7, "uz-answer-0002")).await;
    assert_eq!(old.status(), StatusCode::BAD_REQUEST);
    let body: Value = old.json();
    assert_eq!(body["field"], "version");
    assert_eq!(body["message"], tables["uz"].get("collect_error_version"));
    assert!(
        body["detail"].as_str().unwrap().contains("expected 1"),
        "{body}"
    );
    // The same from the English page, in English.
    let old = c.post(json, json, answer("en", 7, "en-answer-0003")).await;
    let body: Value = old.json();
    assert_eq!(body["message"], tables["en"].get("collect_error_version"));

    // A language the site does not have: refused, naming the field and the site's languages.
    let forged = c.post(json, json, answer("xx", 1, "xx-answer-0004")).await;
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    let body: Value = forged.json();
    assert_eq!(body["field"], "lang", "{body}");
    assert_eq!(body["message"], tables["ru"].get("collect_error_lang"));
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("en, ky, ru, tg, uz"),
        "{body}"
    );
    assert_eq!(c.stored().len(), 1, "refused answers are not stored");
    c.store.close().await.unwrap();
}

/// The hidden fields and the first option of each radio question of a page's plain form.
fn form_fields(page: &Path) -> Vec<(String, String)> {
    let doc = html(page);
    let form = doc
        .select(&sel("section#survey form.survey"))
        .next()
        .unwrap();
    let mut fields = Vec::new();
    for input in form.select(&sel("input[type=hidden], input[type=radio]")) {
        let (name, value) = (input.attr("name").unwrap(), input.attr("value").unwrap());
        if !fields.iter().any(|(n, _): &(String, String)| n == name) {
            fields.push((name.to_owned(), value.to_owned()));
        }
    }
    fields
}

#[tokio::test]
async fn the_plain_form_on_an_english_page_is_english_and_so_are_its_replies() {
    let tables = tables();
    let en = &tables["en"];
    let page = built().join("en/services/spravka/index.html");
    let doc = html(&page);
    let local = site().surveys["default"].localized("en");
    let legends: Vec<String> = doc
        .select(&sel("form.survey legend"))
        .map(|l| l.text().collect::<String>())
        .collect();
    assert!(
        legends[0].starts_with(&local.questions[0].label),
        "{legends:?}"
    );
    assert!(
        legends[0].contains(en.get("survey_required")),
        "{legends:?}"
    );
    let button = doc.select(&sel("form.survey button")).next().unwrap();
    assert_eq!(button.text().collect::<String>(), en.get("survey_submit"));

    let c = Collector::start().await;
    let fields = form_fields(&page);
    assert!(fields.contains(&("lang".into(), "en".into())), "{fields:?}");
    let body = |fields: &[(String, String)]| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish()
    };
    let form = "application/x-www-form-urlencoded";
    let sent = c.post(form, "text/html", body(&fields)).await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER, "{}", sent.body());
    let location = sent.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/en/services/spravka/#survey-thanks");
    // The thank-you state the visitor lands on is the English page's.
    let thanks = doc.select(&sel("#survey-thanks")).next().unwrap();
    assert_eq!(thanks.text().collect::<String>().trim(), local.thanks);
    assert_eq!(c.stored(), vec![("en".to_owned(), 1)]);

    // A refused form post gets an English error page that leads back to the English survey.
    let mut bad = fields.clone();
    bad.retain(|(n, _)| n != "rating");
    bad.push(("rating".into(), "9".into()));
    let refused = c.post(form, "text/html", body(&bad)).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let reply = scraper::Html::parse_document(refused.body());
    let root = reply.select(&sel("html")).next().unwrap();
    assert_eq!(root.attr("lang"), Some("en"));
    let h1 = reply.select(&sel("h1")).next().unwrap();
    assert_eq!(h1.text().collect::<String>(), en.get("collect_error_title"));
    let alert = reply.select(&sel("[role=alert]")).next().unwrap();
    assert_eq!(
        alert.text().collect::<String>(),
        en.get("collect_error_answers")
    );
    let back = reply.select(&sel("a")).next().unwrap();
    assert_eq!(back.attr("href"), Some("/en/services/spravka/#survey"));
    assert_eq!(
        back.text().collect::<String>(),
        en.get("collect_error_back")
    );
    c.store.close().await.unwrap();
}

#[test]
fn one_poster_speaks_every_language_and_its_landing_page_offers_each() {
    let tables = tables();
    let out = built();
    let poster = html(&out.join("posters/priemnaya/spravka/index.html"));
    let lines: BTreeMap<String, String> = poster
        .select(&sel(".poster-ctas li"))
        .map(|li| (li.attr("lang").unwrap().to_owned(), li.text().collect()))
        .collect();
    for (lang, t) in &tables {
        if lang != "ru" {
            assert_eq!(
                lines.get(lang).map(String::as_str),
                Some(t.get("poster_cta")),
                "{lang}"
            );
        }
    }
    assert_eq!(lines.len(), tables.len() - 1, "{lines:?}");
    // One code, to the landing page in the site's language.
    let codes: Vec<_> = poster.select(&sel(".poster-qr svg")).collect();
    assert_eq!(codes.len(), 1);
    let landing = "/q/priemnaya/spravka/";
    assert_eq!(
        crate::qr::decode_svg(&codes[0].html()),
        format!("https://test.example{landing}")
    );
    // The landing page links to itself in every language; each is built, in its language,
    // and its form sends that language and the location's tag.
    let page = html(&out.join("q/priemnaya/spravka/index.html"));
    let links: BTreeMap<String, String> = page
        .select(&sel(".landing-languages a"))
        .map(|a| {
            (
                a.attr("hreflang").unwrap().to_owned(),
                a.attr("href").unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(links.len(), tables.len() - 1, "{links:?}");
    for (lang, href) in &links {
        assert_eq!(href, &format!("{landing}{lang}/"));
        let file = out.join(href.trim_start_matches('/')).join("index.html");
        let there = html(&file);
        let root = there.select(&sel("html")).next().unwrap();
        assert_eq!(root.attr("lang"), Some(lang.as_str()), "{href}");
        let fields = form_fields(&file);
        assert!(
            fields.contains(&("lang".into(), lang.clone())),
            "{href}: {fields:?}"
        );
        assert!(
            fields.contains(&("source".into(), "priemnaya".into())),
            "{href}"
        );
        let title = there.select(&sel("h1")).next().unwrap();
        match lang.as_str() {
            "uz" => assert_eq!(title.attr("lang"), None, "the Uzbek translation's title"),
            "en" => assert_eq!(
                title.text().collect::<String>(),
                "Family composition certificate"
            ),
            _ => assert_eq!(title.attr("lang"), Some("ru"), "{href}: untranslated title"),
        }
    }
}

/// Builds a copy of the fixture whose survey file has `from` replaced by `to`.
fn build_with_survey_edit(from: &str, to: &str) -> (std::process::Output, String) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join(FIXTURE), dir.path());
    let file = dir.path().join("content/surveys/default.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(from));
    std::fs::write(&file, text.replacen(from, to, 1)).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["build", "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    (o, err)
}

#[test]
fn a_survey_translation_that_restates_a_fact_or_names_a_missing_option_is_refused_with_its_place() {
    let rating = "[i18n.uz.questions.rating]\n";
    // `required` is a fact of the question, written once in the source.
    let (o, err) = build_with_survey_edit(rating, &format!("{rating}required = false\n"));
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("`i18n.uz.questions.rating.required`"), "{err}");
    let line =
        1 + std::fs::read_to_string(repo().join(FIXTURE).join("content/surveys/default.toml"))
            .unwrap()
            .lines()
            .position(|l| l == rating.trim_end())
            .unwrap();
    assert!(
        err.contains(&format!("default.toml:{}:1", line + 1)),
        "{err}"
    );
    // An option the question does not have, at its key.
    let (o, err) =
        build_with_survey_edit("partly = \"Qisman\"", "partly = \"Qisman\", nope = \"-\"");
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("i18n.uz.questions.got_it.options.nope"),
        "{err}"
    );
    assert!(err.contains("the question has no such option"), "{err}");
}
