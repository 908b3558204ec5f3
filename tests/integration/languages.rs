//! The site in every language: each page kind built per language with its `<html lang>`, no
//! Russian interface text outside `lang="ru"`, the switcher and `hreflang` alternates on
//! every page, sitemap alternates, and translations that only translate text and say when
//! their source changed. The example site (five languages) is built by the real binary.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use scraper::{ElementRef, Html, Node};

use crate::common::{example_site, html, repo, sel};

const LANGS: &[&str] = &["ru", "en", "uz", "tg", "ky"];
const BASE: &str = "https://msapt-ostrov.ru";

fn yasno(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(args)
        .output()
        .expect("run yasno")
}

fn build(root: &Path, out: &Path) -> Output {
    yasno(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ])
}

/// The example site built once per test binary run.
fn example() -> &'static Path {
    static OUT: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    OUT.get_or_init(|| {
        let out = tempfile::tempdir().unwrap();
        let o = build(&repo(), &out.path().join("public"));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    })
    .path()
}

/// Every HTML page of a built site (QR pages and posters are helper wt-s16's: left out).
fn html_pages(public: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walk(public)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .filter(|p| {
            let rel = p
                .strip_prefix(public)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            !(rel.starts_with("q/") || rel.starts_with("posters/") || rel.contains("/q/"))
        })
        .collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The file a site path is served from.
fn file_of(public: &Path, url: &str) -> PathBuf {
    let rel = url.trim_start_matches(BASE).trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        public.join(rel).join("index.html")
    } else {
        public.join(rel)
    }
}

fn html_lang(doc: &Html) -> String {
    doc.select(&sel("html"))
        .next()
        .and_then(|h| h.value().attr("lang"))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn every_page_kind_is_built_in_every_language_with_its_lang() {
    let public = example().join("public");
    let cats = ["opeka", "semya", "blagoustroystvo", "dosug"];
    for lang in LANGS {
        let root = if *lang == "ru" {
            public.clone()
        } else {
            public.join(lang)
        };
        let mut kinds = vec![
            root.join("index.html"),
            root.join("faq/index.html"),
            root.join("contacts/index.html"),
            root.join("404.html"),
            root.join("accessibility/index.html"),
            root.join("services/blagoustroystvo-dvora/index.html"),
        ];
        kinds.extend(
            cats.iter()
                .map(|c| root.join(format!("categories/{c}/index.html"))),
        );
        for page in kinds {
            assert!(page.is_file(), "{lang}: {} is not built", page.display());
            assert_eq!(html_lang(&html(&page)), *lang, "{}", page.display());
        }
    }
}

/// Words the Tajik and Kyrgyz tables share with Russian (loanwords: «Телефон номери»,
/// «номери»): there they are not Russian text.
const SHARED: &[&str] = &["Телефон", "номер"];

/// Values of the Russian interface table that would show Russian text. Left out: strings
/// under 4 characters («от», «из»: they occur inside words of other languages) and the
/// [`SHARED`] loanwords.
fn russian_interface_strings() -> Vec<String> {
    let path = repo().join("themes/default/i18n/ru.toml");
    let v: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v.into_iter()
        .filter_map(|(_, v)| v.as_str().map(str::to_owned))
        .filter(|s| s.chars().count() >= 4 && !SHARED.contains(&s.as_str()))
        .collect()
}

/// Text of `el` outside any element whose nearest `lang` is Russian (scripts left out).
fn text_not_marked_russian(el: ElementRef<'_>, inherited: &str, out: &mut String) {
    let lang = el.value().attr("lang").unwrap_or(inherited);
    if lang == "ru" || matches!(el.value().name(), "script" | "style") {
        return;
    }
    for child in el.children() {
        match child.value() {
            Node::Text(t) => {
                out.push_str(t);
                out.push('\n');
            }
            Node::Element(_) => {
                text_not_marked_russian(ElementRef::wrap(child).unwrap(), lang, out)
            }
            _ => {}
        }
    }
}

#[test]
fn no_russian_interface_string_on_other_languages_outside_lang_ru() {
    let public = example().join("public");
    for lang in &LANGS[1..] {
        let russian = russian_interface_strings();
        assert!(russian.len() > 50, "{lang}: {} strings", russian.len());
        let pages = html_pages(&public.join(lang));
        assert!(pages.len() >= 10, "{lang}: {} pages", pages.len());
        for page in pages {
            let doc = html(&page);
            let mut text = String::new();
            let root = doc.root_element();
            text_not_marked_russian(root, "", &mut text);
            // Attributes people hear too (labels of landmarks and buttons).
            for el in doc.select(&sel("[aria-label]")) {
                if el.value().attr("lang") != Some("ru") {
                    text.push_str(el.value().attr("aria-label").unwrap());
                }
            }
            for s in &russian {
                assert!(
                    !text.contains(s.as_str()),
                    "{}: Russian interface text «{s}» outside lang=\"ru\"",
                    page.display()
                );
            }
        }
    }
}

#[test]
fn every_page_has_the_switcher_and_each_link_resolves() {
    let public = example().join("public");
    let pages = html_pages(&public);
    assert!(pages.len() > 50, "{} pages", pages.len());
    for page in &pages {
        let doc = html(page);
        let links: Vec<ElementRef<'_>> = doc.select(&sel("nav.lang-switch a")).collect();
        let name = page.display();
        assert_eq!(links.len(), LANGS.len(), "{name}: one link per language");
        let langs: BTreeSet<&str> = links
            .iter()
            .map(|a| a.value().attr("lang").unwrap())
            .collect();
        assert_eq!(langs, LANGS.iter().copied().collect(), "{name}");
        for a in &links {
            let (lang, hreflang) = (a.value().attr("lang"), a.value().attr("hreflang"));
            assert_eq!(lang, hreflang, "{name}: lang and hreflang agree");
            let href = a.value().attr("href").unwrap();
            assert!(
                file_of(&public, href).is_file(),
                "{name}: switcher link {href} is not built"
            );
            // Each language is named in itself.
            let label = a.text().collect::<String>();
            let expected = ["Русский", "English", "Oʻzbekcha", "Тоҷикӣ", "Кыргызча"]
                [LANGS.iter().position(|l| Some(*l) == lang).unwrap()];
            assert_eq!(label, expected, "{name}");
        }
        let current: Vec<_> = links
            .iter()
            .filter(|a| a.value().attr("aria-current").is_some())
            .map(|a| a.value().attr("lang").unwrap())
            .collect();
        assert_eq!(
            current,
            vec![html_lang(&doc).as_str()],
            "{name}: the current language"
        );
    }
}

/// `hreflang` → URL of a page's alternates.
fn alternates(doc: &Html) -> BTreeMap<String, String> {
    doc.select(&sel("link[rel=alternate][hreflang]"))
        .map(|l| {
            (
                l.value().attr("hreflang").unwrap().to_owned(),
                l.value().attr("href").unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn hreflang_alternates_are_complete_and_reciprocal() {
    let public = example().join("public");
    let mut checked = 0;
    for page in html_pages(&public) {
        let rel = page
            .strip_prefix(&public)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel.ends_with("404.html") {
            continue;
        }
        let doc = html(&page);
        let alts = alternates(&doc);
        let lang = html_lang(&doc);
        let name = page.display();
        let me = alts
            .get(&lang)
            .unwrap_or_else(|| panic!("{name}: no self link"));
        assert_eq!(file_of(&public, me), page, "{name}: self link");
        assert_eq!(
            alts.get("x-default"),
            alts.get("ru"),
            "{name}: x-default is Russian"
        );
        for (l, url) in alts.iter().filter(|(l, _)| *l != "x-default") {
            let other = file_of(&public, url);
            assert!(other.is_file(), "{name}: alternate {l} {url} not built");
            let back = alternates(&html(&other));
            assert_eq!(
                back,
                alts,
                "{name} and {}: alternates differ",
                other.display()
            );
        }
        checked += 1;
    }
    assert!(checked > 50, "{checked} pages");
    // A translated service lists all five; an untranslated one only itself.
    let translated = html(&public.join("services/blagoustroystvo-dvora/index.html"));
    assert_eq!(alternates(&translated).len(), LANGS.len() + 1);
    let only_ru = html(&public.join("services/razreshenie-na-sdelku/index.html"));
    assert_eq!(
        alternates(&only_ru).keys().collect::<Vec<_>>(),
        ["ru", "x-default"]
    );
}

#[test]
fn the_sitemap_lists_every_version_with_its_alternates() {
    let public = example().join("public");
    let xml = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(xml.contains("xmlns:xhtml=\"http://www.w3.org/1999/xhtml\""));
    let entries: Vec<&str> = xml.split("<url>").skip(1).collect();
    let entry = |loc: &str| -> &str {
        entries
            .iter()
            .find(|e| e.starts_with(&format!("<loc>{BASE}{loc}</loc>")))
            .unwrap_or_else(|| panic!("{loc} not in the sitemap"))
    };
    for lang in LANGS {
        let root = if *lang == "ru" {
            "/".to_owned()
        } else {
            format!("/{lang}/")
        };
        for path in [
            "",
            "faq/",
            "services/blagoustroystvo-dvora/",
            "accessibility/",
        ] {
            let e = entry(&format!("{root}{path}"));
            for other in LANGS {
                let other_root = if *other == "ru" {
                    "/".to_owned()
                } else {
                    format!("/{other}/")
                };
                let link = format!(
                    "<xhtml:link rel=\"alternate\" hreflang=\"{other}\" href=\"{BASE}{other_root}{path}\"/>"
                );
                assert!(e.contains(&link), "{root}{path}: no {link}");
            }
            assert!(e.contains(&format!("hreflang=\"x-default\" href=\"{BASE}/{path}\"")));
        }
    }
    // An untranslated service is listed once, without alternates.
    let untranslated = entry("/services/razreshenie-na-sdelku/");
    assert!(!untranslated.contains("xhtml:link"), "{untranslated}");
    assert!(!xml.contains("/en/services/razreshenie-na-sdelku/"));
}

#[test]
fn an_untranslated_service_is_listed_with_a_note_and_marked_russian() {
    let public = example().join("public");
    let doc = html(&public.join("uz/index.html"));
    let untranslated = doc
        .select(&sel(
            "ul.service-list a[href='/services/razreshenie-na-sdelku/']",
        ))
        .next()
        .expect("the Russian page is listed on the Uzbek home");
    assert_eq!(untranslated.value().attr("lang"), Some("ru"));
    assert_eq!(untranslated.value().attr("hreflang"), Some("ru"));
    let item = ElementRef::wrap(untranslated.parent().unwrap()).unwrap();
    let note = item.select(&sel(".lang-note")).next().unwrap();
    assert_eq!(note.value().attr("lang"), None, "the note is in Uzbek");
    assert!(note.text().collect::<String>().contains("rus tilida"));
    // A translated one leads to its translation, in the page's language.
    let own = doc
        .select(&sel(
            "ul.service-list a[href='/uz/services/blagoustroystvo-dvora/']",
        ))
        .next()
        .expect("the translation is listed");
    assert_eq!(own.value().attr("lang"), None);
}

#[test]
fn a_translation_shows_the_facts_of_its_source_and_says_it_is_not_reviewed() {
    let public = example().join("public");
    let ru = html(&public.join("services/blagoustroystvo-dvora/index.html"));
    let tg = html(&public.join("tg/services/blagoustroystvo-dvora/index.html"));
    let text = |d: &Html, s: &str| {
        d.select(&sel(s))
            .map(|e| e.text().collect::<String>())
            .collect::<Vec<_>>()
    };
    assert_eq!(text(&ru, "a.phone"), text(&tg, "a.phone"));
    assert_eq!(text(&ru, ".legal-acts time"), text(&tg, ".legal-acts time"));
    assert!(
        text(&tg, "section:has(#deadline) p")
            .join(" ")
            .contains("30 рӯзи тақвимӣ")
    );
    assert!(tg.select(&sel("p.translation-note")).next().is_some());
    assert!(ru.select(&sel("p.translation-note")).next().is_none());
    // The legal acts' official titles stay Russian and say so.
    assert!(tg.select(&sel(".legal-acts [lang=ru]")).count() >= 3);
}

#[test]
fn a_translation_that_restates_a_fact_is_refused_at_its_value() {
    let site = example_site();
    let file = site
        .path()
        .join("content/services/blagoustroystvo-dvora.uz.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replacen("\ntitle = ", "\nfee = { amount = 100 }\ntitle = ", 1);
    std::fs::write(&file, &text).unwrap();
    let line = text.lines().position(|l| l.starts_with("fee = ")).unwrap() + 1;
    let o = build(site.path(), &site.path().join("public"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    // `fee = {…}` may hold text (`for`): the amount inside it is the fact refused.
    assert!(
        err.contains(&format!("blagoustroystvo-dvora.uz.md:{line}:9")),
        "{err}"
    );
    assert!(
        err.contains("`fee.amount`") && err.contains("blagoustroystvo-dvora.md"),
        "{err}"
    );

    // The same for the settings' texts.
    let site = example_site();
    let file = site.path().join("content/site.ky.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replacen("[contacts]\n", "[contacts]\nphone = \"+7 000\"\n", 1);
    std::fs::write(&file, &text).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("phone = "))
        .unwrap()
        + 1;
    let o = build(site.path(), &site.path().join("public"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains(&format!("site.ky.toml:{line}:1")), "{err}");
    assert!(err.contains("`contacts.phone`"), "{err}");
}

#[test]
fn a_changed_source_makes_its_translations_out_of_date_naming_the_field() {
    let site = example_site();
    let check = || {
        let o = yasno(&["check", "--root", site.path().to_str().unwrap()]);
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
    };
    assert!(!check().contains("translation-outdated"), "{}", check());
    let file = site
        .path()
        .join("content/services/blagoustroystvo-dvora.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen(
            "result = \"Ответ на обращение.",
            "result = \"Письменный ответ.",
            1,
        ),
    )
    .unwrap();
    let out = check();
    for lang in ["en", "uz", "tg", "ky"] {
        let at = format!("blagoustroystvo-dvora.{lang}.md:");
        let warned = out.split("warning[").any(|w| {
            w.starts_with("translation-outdated")
                && w.contains(&at)
                && w.contains("изменились поля result /")
        });
        assert!(warned, "{lang}: {out}");
    }
    // The fix is printed: the line to put in the translation.
    assert!(out.contains("translated_from = { apply = "), "{out}");
    // The settings' texts too: a changed phone hours text dates every site.<lang>.toml.
    let settings = site.path().join("content/site.toml");
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(
        &settings,
        text.replacen("Перерыв с 13:00 до 14:00.", "Перерыв с 13:00 до 13:45.", 1),
    )
    .unwrap();
    let out = check();
    for lang in ["en", "uz", "tg", "ky"] {
        let at = format!("site.{lang}.toml:");
        let warned = out.split("warning[").any(|w| {
            w.starts_with("translation-outdated")
                && w.contains(&at)
                && w.contains("изменились поля contacts /")
        });
        assert!(warned, "{lang}: {out}");
    }
    assert!(out.contains("translation-unreviewed"), "{out}");
}

#[test]
fn adding_a_language_takes_one_table_and_its_content() {
    let site = example_site();
    let content = site.path().join("content");
    std::fs::write(
        content.join("site.fr.toml"),
        "name = \"Administration locale\"\n",
    )
    .unwrap();
    // Without the theme's table the build says which file to add.
    let o = build(site.path(), &site.path().join("public"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("i18n/fr.toml"), "{err}");
    // With it, every page kind is built in French and the switcher offers it.
    let i18n = site.path().join("themes/default/i18n");
    let en = std::fs::read_to_string(i18n.join("en.toml")).unwrap();
    std::fs::write(
        i18n.join("fr.toml"),
        en.replace("lang_name = \"English\"", "lang_name = \"Français\""),
    )
    .unwrap();
    let o = build(site.path(), &site.path().join("public"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let public = site.path().join("public");
    for page in [
        "fr/index.html",
        "fr/faq/index.html",
        "fr/contacts/index.html",
        "fr/404.html",
    ] {
        assert_eq!(html_lang(&html(&public.join(page))), "fr", "{page}");
    }
    let home = html(&public.join("index.html"));
    let fr = home
        .select(&sel("nav.lang-switch a[lang=fr]"))
        .next()
        .expect("French in the switcher");
    assert_eq!(fr.text().collect::<String>(), "Français");
    assert_eq!(fr.value().attr("href"), Some("/fr/"));
}

#[test]
fn rules_without_a_dictionary_run_on_every_language_dictionary_rules_on_ru_and_en() {
    let dir = tempfile::tempdir().unwrap();
    // Russian words in both files: only the language in the file name differs.
    let text = "Заявление осуществляется в установленном порядке, и это ОЧЕНЬ ВАЖНО для всех жителей нашего большого и красивого округа сегодня.\n";
    for name in ["a.md", "a.uz.md", "a.tg.md", "a.ky.md"] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let o = Command::new(env!("CARGO_BIN_EXE_yasno"))
        .current_dir(dir.path())
        .args([
            "check", "--format", "json", "a.md", "a.uz.md", "a.tg.md", "a.ky.md",
        ])
        .output()
        .unwrap();
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let rules = |file: &str| -> BTreeSet<String> {
        findings
            .iter()
            .filter(|f| Path::new(f["file"].as_str().unwrap()).file_name().unwrap() == file)
            .map(|f| f["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        rules("a.md").contains("bureaucratese"),
        "{:?}",
        rules("a.md")
    );
    for file in ["a.uz.md", "a.tg.md", "a.ky.md"] {
        let r = rules(file);
        assert!(
            r.contains("long-sentence") && r.contains("all-caps"),
            "{file}: {r:?}"
        );
        assert!(
            !r.contains("bureaucratese") && !r.contains("negative"),
            "{file}: {r:?}"
        );
    }
}
