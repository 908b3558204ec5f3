//! `yasno build` and `yasno new`, run as the real binary on fixture sites in temporary
//! folders; the output is parsed with a real HTML parser.

use crate::common::{copy_dir, html, repo, sel};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use scraper::Html;

fn yasno(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(args)
        .output()
        .expect("run yasno")
}

/// A copy of the minimal fixture site in a temporary folder.
fn minimal_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/minimal"), dir.path());
    dir
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

fn text(doc: &Html, s: &str) -> String {
    doc.select(&sel(s))
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_owned()
}

fn build_example() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let o = build(&repo(), &out.path().join("public"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

#[test]
fn every_service_page_of_the_example_site_has_its_parts() {
    let out = build_example();
    let public = out.path().join("public");
    let services: Vec<PathBuf> = std::fs::read_dir(public.join("services"))
        .unwrap()
        .map(|e| e.unwrap().path().join("index.html"))
        .collect();
    assert!(services.len() >= 8, "only {} services", services.len());
    for page in &services {
        let doc = html(page);
        let name = page.display();
        assert_eq!(doc.select(&sel("h1")).count(), 1, "{name}: one h1");
        assert!(!text(&doc, "h1").is_empty(), "{name}: h1 text");
        assert!(!text(&doc, "p.lead#summary").is_empty(), "{name}: summary");
        assert!(
            doc.select(&sel(
                "#documents ~ ul.checklist li, section:has(#documents) li"
            ))
            .count()
                >= 1,
            "{name}: documents"
        );
        assert!(
            !text(&doc, "section:has(#deadline) p").is_empty(),
            "{name}: deadline"
        );
        assert!(!text(&doc, "section:has(#fee) p").is_empty(), "{name}: fee");
        let tel = doc
            .select(&sel("section:has(#contacts) a[href^='tel:+7']"))
            .count();
        assert_eq!(tel, 1, "{name}: phone as a tel: link");
        assert!(
            !text(&doc, "section:has(#contacts) .phone-hours").is_empty(),
            "{name}: phone hours"
        );
        assert!(
            !text(&doc, "section:has(#reception) .address").is_empty(),
            "{name}: reception address"
        );
        assert!(
            doc.select(&sel("section:has(#legal-acts) li time")).count() >= 1,
            "{name}: legal acts with dates"
        );
        assert!(
            doc.select(&sel("section:has(#faq) h3")).count() >= 3,
            "{name}: 3+ FAQ entries"
        );
        assert!(
            !text(&doc, "p.updated time").is_empty(),
            "{name}: updated on"
        );
        assert_eq!(
            doc.select(&sel("html[lang='ru']")).count(),
            1,
            "{name}: lang"
        );
        assert_eq!(
            doc.select(&sel("main#main")).count(),
            1,
            "{name}: main landmark"
        );
        assert_eq!(
            doc.select(&sel("a.skip-link[href='#main']")).count(),
            1,
            "{name}: skip link"
        );

        let ld = doc
            .select(&sel("script[type='application/ld+json']"))
            .next()
            .unwrap_or_else(|| panic!("{name}: JSON-LD"))
            .text()
            .collect::<String>();
        let v: serde_json::Value = serde_json::from_str(&ld).unwrap();
        let types: Vec<&str> = v["@graph"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["@type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["GovernmentService", "FAQPage"], "{name}");
        assert_eq!(v["@graph"][0]["name"].as_str().unwrap(), text(&doc, "h1"));
        assert!(v["@graph"][1]["mainEntity"].as_array().unwrap().len() >= 3);
    }
}

#[test]
fn the_all_questions_page_has_every_question_of_every_service_in_order() {
    let out = build_example();
    let public = out.path().join("public");
    let faq = html(&public.join("faq/index.html"));
    assert_eq!(faq.select(&sel("h1")).count(), 1);
    // One section per service, linking to its page, with that page's questions in order.
    let sections: Vec<_> = faq.select(&sel("main section")).collect();
    assert!(sections.len() >= 8, "{} sections", sections.len());
    let mut ids = BTreeSet::new();
    for section in &sections {
        let link = section
            .select(&sel("h2 a"))
            .next()
            .expect("a link to the service");
        let href = link.value().attr("href").unwrap();
        let page = html(&public.join(href.trim_start_matches('/')).join("index.html"));
        assert_eq!(link.text().collect::<String>(), text(&page, "h1"), "{href}");
        let on_page: Vec<String> = page
            .select(&sel("section:has(#faq) h3"))
            .map(|h| h.text().collect())
            .collect();
        let here: Vec<String> = section
            .select(&sel("h3"))
            .map(|h| h.text().collect())
            .collect();
        assert_eq!(here, on_page, "questions of {href}");
        assert_eq!(section.select(&sel(".answer")).count(), here.len());
        // The section is labelled by its heading, and every id on the page is unique.
        let h2 = section
            .select(&sel("h2"))
            .next()
            .unwrap()
            .value()
            .id()
            .unwrap();
        assert_eq!(section.value().attr("aria-labelledby"), Some(h2));
        for e in section.select(&sel("[id]")) {
            assert!(
                ids.insert(e.value().id().unwrap().to_owned()),
                "id repeated"
            );
        }
    }
}

#[test]
fn the_example_site_has_every_kind_of_page() {
    let out = build_example();
    let p = out.path().join("public");
    for f in [
        "index.html",
        "faq/index.html",
        "contacts/index.html",
        "accessibility/index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "categories/opeka/index.html",
        "css/site.css",
        "js/a11y.js",
    ] {
        assert!(p.join(f).is_file(), "missing {f}");
    }
    // Home: services grouped by category, each with its summary.
    let home = html(&p.join("index.html"));
    let groups = home.select(&sel("section.category")).count();
    assert!(groups >= 3, "{groups} category groups");
    for li in home.select(&sel(".service-list li")) {
        assert_eq!(li.select(&sel("a")).count(), 1);
        assert!(
            !li.select(&sel("p"))
                .next()
                .unwrap()
                .text()
                .collect::<String>()
                .trim()
                .is_empty()
        );
    }
    // The sitemap lists every service with its update date.
    let sitemap = std::fs::read_to_string(p.join("sitemap.xml")).unwrap();
    let n = std::fs::read_dir(p.join("services")).unwrap().count();
    // (Once as a page of its own: translated ones also appear as alternates.)
    assert_eq!(
        sitemap
            .matches("<loc>https://msapt-ostrov.ru/services/")
            .count(),
        n
    );
    assert!(sitemap.contains("<lastmod>2026-"));
    assert!(
        std::fs::read_to_string(p.join("robots.txt"))
            .unwrap()
            .contains("Sitemap: https://msapt-ostrov.ru/sitemap.xml")
    );
    // The site says that details not taken from official sources are sample data.
    assert!(text(&home, ".notice").contains("пример"));
}

/// Resolves a site-relative URL path to a file in the output.
fn target(public: &Path, url: &str) -> PathBuf {
    let path = url.split(['#', '?']).next().unwrap();
    let rel = path.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        public.join(rel).join("index.html")
    } else {
        public.join(rel)
    }
}

#[test]
fn every_internal_link_and_asset_resolves() {
    let out = build_example();
    let public = out.path().join("public");
    let mut checked = 0;
    for e in walkdir::WalkDir::new(&public) {
        let e = e.unwrap();
        if e.path().extension().is_none_or(|x| x != "html") {
            continue;
        }
        let doc = html(e.path());
        let ids: BTreeSet<String> = doc
            .select(&sel("[id]"))
            .map(|n| n.value().attr("id").unwrap().to_owned())
            .collect();
        for node in doc.select(&sel("a[href], link[href], script[src], img[src]")) {
            let url = node
                .value()
                .attr("href")
                .or(node.value().attr("src"))
                .unwrap();
            if let Some(frag) = url.strip_prefix('#') {
                assert!(
                    ids.contains(frag),
                    "{}: #{frag} has no target",
                    e.path().display()
                );
                checked += 1;
            } else if url.starts_with('/') && !url.starts_with("//") {
                let file = target(&public, url);
                assert!(
                    file.is_file(),
                    "{}: {url} does not resolve",
                    e.path().display()
                );
                if let Some((_, frag)) = url.split_once('#') {
                    let tdoc = html(&file);
                    assert!(
                        tdoc.select(&sel(&format!("[id='{frag}']")))
                            .next()
                            .is_some(),
                        "{}: {url}: no #{frag}",
                        e.path().display()
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} links checked");
}

#[test]
fn a_service_inherits_site_contacts_and_another_overrides_them() {
    let site = minimal_site();
    let out = site.path().join("public");
    let o = build(site.path(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let inh = html(&out.join("services/inherits/index.html"));
    assert_eq!(
        text(&inh, "section:has(#contacts) a.phone"),
        "+7 812 702-12-02"
    );
    assert_eq!(
        inh.select(&sel("section:has(#contacts) a.phone"))
            .next()
            .unwrap()
            .value()
            .attr("href"),
        Some("tel:+78127021202")
    );
    assert_eq!(text(&inh, "section:has(#contacts) .unit"), "Приёмная");
    assert_eq!(
        text(&inh, "section:has(#contacts) .email"),
        "site@test.example"
    );

    // YAML front matter; phone and unit overridden, e-mail and hours still inherited.
    let ovr = html(&out.join("services/overrides/index.html"));
    assert_eq!(
        text(&ovr, "section:has(#contacts) a.phone"),
        "+7 812 702-12-03"
    );
    assert_eq!(text(&ovr, "section:has(#contacts) .unit"), "Сектор опеки");
    assert_eq!(
        text(&ovr, "section:has(#contacts) .email"),
        "site@test.example"
    );
    assert_eq!(
        text(&ovr, "section:has(#contacts) .phone-hours"),
        "пн–пт, 10:00–17:00"
    );
    // Fee with an amount and the right Russian plural; calendar days.
    assert_eq!(text(&ovr, "section:has(#fee) p"), "350 рублей: госпошлина.");
    assert_eq!(
        text(&ovr, "section:has(#deadline) p"),
        "1 календарный день."
    );
}

/// Builds the minimal site once, breaks `file` with `edit`, builds again, and checks the
/// failure: non-zero exit, the message names `file:line:col`, output untouched.
fn assert_mistake(file: &str, edit: impl Fn(&str) -> String, expect_at: &str, expect_msg: &[&str]) {
    assert_mistake_bytes(file, |s| edit(s).into_bytes(), expect_at, expect_msg);
}

/// Like `assert_mistake`, for an edit that leaves bytes that are not text.
fn assert_mistake_bytes(
    file: &str,
    edit: impl Fn(&str) -> Vec<u8>,
    expect_at: &str,
    expect_msg: &[&str],
) {
    let site = minimal_site();
    let out = site.path().join("public");
    assert!(build(site.path(), &out).status.success());
    let before = std::fs::read(out.join("services/inherits/index.html")).unwrap();

    let path = site.path().join(file);
    let src = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&src)).unwrap();
    let o = build(site.path(), &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "build should fail for {file}");
    assert_eq!(o.status.code(), Some(1));
    let at = format!("{}:{expect_at}", path.display());
    // A full `line:column` must match exactly, not as the prefix of a longer column.
    let exact = |i: usize| {
        !expect_at.ends_with(|c: char| c.is_ascii_digit())
            || !stderr[i + at.len()..].starts_with(|c: char| c.is_ascii_digit())
    };
    assert!(
        stderr.match_indices(&at).any(|(i, _)| exact(i)),
        "expected {at} in:\n{stderr}"
    );
    for m in expect_msg {
        assert!(stderr.contains(m), "expected {m:?} in:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        std::fs::read(out.join("services/inherits/index.html")).unwrap(),
        before,
        "previous output changed"
    );
    // No staging folders are left beside the output.
    let leftovers: Vec<_> = std::fs::read_dir(site.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".public"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn errors_on_bad_toml_with_its_line() {
    assert_mistake(
        "content/services/inherits.md",
        |s| {
            s.replace(
                "summary = \"Контакты берутся из настроек сайта.\"",
                "summary = \"не закрыта",
            )
        },
        "3:",
        &["invalid"],
    );
}

#[test]
fn errors_on_a_file_that_is_not_utf8_with_its_line() {
    // A Windows-1251 "Я" (0xDF) at the start of line 3, as an editor's wrong encoding leaves it.
    assert_mistake_bytes(
        "content/services/inherits.md",
        |s| {
            let mut lines: Vec<Vec<u8>> = s.lines().map(|l| l.as_bytes().to_vec()).collect();
            lines[2].insert(0, 0xDF);
            lines.join(&b'\n')
        },
        "3:1",
        &["not UTF-8", "save the file as UTF-8"],
    );
}

#[test]
fn errors_on_bad_yaml_with_its_line() {
    assert_mistake(
        "content/services/overrides.md",
        |s| s.replace("category: opeka", "category: [opeka"),
        "4:11",
        &["invalid field `category`", "expected a string"],
    );
}

#[test]
fn errors_on_unknown_front_matter_key_with_a_hint() {
    assert_mistake(
        "content/services/inherits.md",
        |s| s.replace("title = ", "titel = "),
        "2:1",
        &[
            "unknown field `titel`",
            "did you mean `title`",
            "missing fields `title`",
        ],
    );
}

#[test]
fn lists_all_missing_fields_at_once() {
    assert_mistake(
        "content/services/inherits.md",
        |s| {
            s.lines()
                .filter(|l| {
                    !l.starts_with("who") && !l.starts_with("result") && !l.starts_with("fee")
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
        "1:1",
        &["missing fields `who`, `result`, `fee`"],
    );
}

#[test]
fn errors_on_a_date_that_is_not_a_date() {
    assert_mistake(
        "content/services/overrides.md",
        |s| s.replace("updated: 2026-05-14", "updated: 2026-13-45"),
        "5:",
        &["`updated`", "2026-13-45", "YYYY-MM-DD"],
    );
    assert_mistake(
        "content/services/inherits.md",
        |s| s.replace("updated = 2026-05-14", "updated = \"вчера\""),
        "5:",
        &["`updated`", "вчера"],
    );
}

#[test]
fn errors_on_unknown_category_with_a_hint() {
    assert_mistake(
        "content/services/inherits.md",
        |s| s.replace("category = \"opeka\"", "category = \"opek\""),
        "4:13",
        &["unknown category `opek`", "did you mean \"opeka\""],
    );
}

/// `inherits.md` with `line` added after its title (line 3 of the file).
fn with_line_3(s: &str, line: &str) -> String {
    s.replacen("\nsummary = ", &format!("\n{line}\nsummary = "), 1)
}

#[test]
fn errors_on_unknown_category_in_yaml_at_its_value() {
    assert_mistake(
        "content/services/overrides.md",
        |s| s.replace("category: opeka", "category: opeko"),
        "4:11",
        &["error[unknown-category]", "unknown category `opeko`"],
    );
}

#[test]
fn errors_on_a_base_url_that_is_not_absolute() {
    assert_mistake(
        "content/site.toml",
        |s| {
            s.replace(
                "base_url = \"https://test.example\"",
                "base_url = \"test.example\"",
            )
        },
        "2:13",
        &["error[invalid-field]", "`base_url`"],
    );
}

#[test]
fn errors_on_a_link_without_https() {
    assert_mistake(
        "content/services/inherits.md",
        |s| {
            with_line_3(
                s,
                "apply = [{ kind = \"gosuslugi\", url = \"gosuslugi.ru/123\" }]",
            )
        },
        "3:39",
        &["error[invalid-url]", "«gosuslugi.ru/123»"],
    );
}

#[test]
fn errors_on_a_slug_that_is_not_latin() {
    assert_mistake(
        "content/services/inherits.md",
        |s| with_line_3(s, "slug = \"Опека\""),
        "3:9",
        &["error[invalid-slug]", "«Опека»"],
    );
}

#[test]
fn errors_on_a_survey_that_does_not_exist() {
    assert_mistake(
        "content/services/inherits.md",
        |s| with_line_3(s, "survey = \"nope\""),
        "3:11",
        &["error[unknown-survey]", "unknown survey `nope`"],
    );
}

#[test]
fn errors_on_a_fee_that_is_neither_free_nor_paid() {
    for fee in ["{ free = false }", "{}", "{ free = true, amount = 350 }"] {
        assert_mistake(
            "content/services/inherits.md",
            |s| s.replace("fee = { free = true }", &format!("fee = {fee}")),
            "10:7",
            &["error[invalid-field]", "`fee`", "fee = { free = true }"],
        );
    }
    assert_mistake(
        "content/services/overrides.md",
        |s| {
            s.replace(
                "fee: { amount: 350, for: госпошлина }",
                "fee: { for: госпошлина }",
            )
        },
        "12:6",
        &["error[invalid-field]", "`fee`", "fee = { free = true }"],
    );
}

#[test]
fn errors_on_a_survey_definition_at_the_field() {
    let site = minimal_site();
    let dir = site.path().join("content/surveys");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("short.toml");
    let survey = "id = \"short\"\nversion = 1\ntitle = \"Опрос\"\n\n[[questions]]\nid = \"rating\"\nlabel = \"Как вы оцените услугу?\"\nkind = \"rating\"\nlabels = [\"плохо\", \"хорошо\"]\n";
    std::fs::write(&path, survey).unwrap();
    let o = build(site.path(), &site.path().join("public"));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error[survey]"), "{stderr}");
    let at = format!("{}:9:10\n", path.display());
    assert!(stderr.contains(&at), "expected {at} in:\n{stderr}");
}

#[test]
fn template_errors_name_the_template_line_and_column() {
    let site = minimal_site();
    std::fs::create_dir_all(site.path().join("templates")).unwrap();
    let theme_index =
        std::fs::read_to_string(repo().join("themes/default/templates/index.html")).unwrap();
    let broken = theme_index.replace(
        "{{ t.home_description }}",
        "{{ t.home_description }}\n{{ nope.value }}",
    );
    let line = broken.lines().position(|l| l.contains("nope")).unwrap() + 1;
    let out = site.path().join("public");
    assert!(build(site.path(), &out).status.success());
    std::fs::write(site.path().join("templates/index.html"), broken).unwrap();
    let o = build(site.path(), &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    let at = format!(
        "{}:{line}:",
        site.path().join("templates/index.html").display()
    );
    assert!(stderr.contains(&at), "expected {at} in:\n{stderr}");
    assert!(stderr.contains("nope"), "{stderr}");
    // Syntax errors too.
    std::fs::write(
        site.path().join("templates/index.html"),
        "{% extends \"base.html\" %}\n{% block content %}{% if %}{% endblock content %}",
    )
    .unwrap();
    let o = build(site.path(), &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        stderr.contains(&format!(
            "{}:2:",
            site.path().join("templates/index.html").display()
        )),
        "{stderr}"
    );
    assert!(out.join("index.html").is_file(), "previous output kept");
}

#[test]
fn refuses_to_overwrite_a_folder_it_did_not_make() {
    let site = minimal_site();
    let precious = site.path().join("mine");
    std::fs::create_dir_all(&precious).unwrap();
    std::fs::write(precious.join("notes.txt"), "keep me").unwrap();
    let o = build(site.path(), &precious);
    assert!(!o.status.success());
    assert_eq!(
        std::fs::read_to_string(precious.join("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn drafts_are_built_only_on_request() {
    let site = minimal_site();
    let f = site.path().join("content/services/inherits.md");
    let s = std::fs::read_to_string(&f)
        .unwrap()
        .replacen("+++\n", "+++\ndraft = true\n", 1);
    std::fs::write(&f, s).unwrap();
    let out = site.path().join("public");
    assert!(build(site.path(), &out).status.success());
    assert!(!out.join("services/inherits/index.html").exists());
    let o = yasno(&[
        "build",
        "--root",
        site.path().to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--drafts",
    ]);
    assert!(o.status.success());
    assert!(out.join("services/inherits/index.html").exists());
}

#[test]
fn base_url_option_changes_canonical_links() {
    let site = minimal_site();
    let out = site.path().join("public");
    let o = yasno(&[
        "build",
        "--root",
        site.path().to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--base-url",
        "https://other.example/",
    ]);
    assert!(o.status.success());
    let doc = html(&out.join("services/inherits/index.html"));
    let canonical = doc
        .select(&sel("link[rel=canonical]"))
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert_eq!(canonical, "https://other.example/services/inherits/");
}

#[test]
fn new_then_build_works_from_an_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    let o = yasno(&["new", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("themes/default/templates/service.html").is_file());
    let o = yasno(&["build", "--root", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc = html(&dir.join("public/services/primer/index.html"));
    assert_eq!(text(&doc, "h1"), "Пример услуги");
    // The build output and the build caches stay out of the editors' repository.
    assert!(dir.join(".yasno-cache").is_dir());
    let ignored = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    assert!(dir.join("handbook/index.html").is_file());
    for entry in [
        "/public",
        "/.public.yasno-spare",
        "/handbook",
        "/.handbook.yasno-spare",
        "/.yasno-cache",
    ] {
        assert!(
            ignored.lines().any(|l| l == entry),
            "{entry} not in .gitignore"
        );
    }
    // `new` refuses a folder that is not empty.
    assert!(!yasno(&["new", dir.to_str().unwrap()]).status.success());
}

#[test]
fn raw_html_in_content_is_escaped() {
    let site = minimal_site();
    let f = site.path().join("content/services/inherits.md");
    let s = std::fs::read_to_string(&f).unwrap() + "\n<script>alert(1)</script>\n";
    std::fs::write(&f, s).unwrap();
    let out = site.path().join("public");
    assert!(build(site.path(), &out).status.success());
    let page = std::fs::read_to_string(out.join("services/inherits/index.html")).unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<script>alert(1)"));
}

/// Every file under `dir` (relative path → bytes), without the build marker.
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && e.file_name() != yasno::output::MARKER)
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// The number of unchanged files a build's summary line reports.
fn unchanged(o: &Output) -> usize {
    let out = String::from_utf8_lossy(&o.stdout);
    let at = out.find(" unchanged)").expect("summary line");
    out[..at]
        .rsplit('(')
        .next()
        .unwrap()
        .split(' ')
        .next_back()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_build_staged_in_the_spare_equals_a_fresh_build() {
    let site = minimal_site();
    let out = site.path().join("public");
    let services = site.path().join("content/services");
    let overrides = std::fs::read_to_string(services.join("overrides.md")).unwrap();
    let first = build(site.path(), &out);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // Second build: one service renamed in its title, one added. The first output becomes
    // the spare.
    std::fs::write(
        services.join("overrides.md"),
        overrides.replacen("title: ", "title: Новое — ", 1),
    )
    .unwrap();
    std::fs::write(
        services.join("added.md"),
        std::fs::read_to_string(services.join("inherits.md")).unwrap(),
    )
    .unwrap();
    assert!(build(site.path(), &out).status.success());
    assert!(site.path().join(".public.yasno-spare").is_dir());
    // Third build, staged in the spare (the first output): the added service removed again,
    // the new title kept. Pages that stayed the same are not written.
    std::fs::remove_file(services.join("added.md")).unwrap();
    let third = build(site.path(), &out);
    assert!(
        third.status.success(),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    assert!(
        unchanged(&third) > 0,
        "{}",
        String::from_utf8_lossy(&third.stdout)
    );
    assert!(!out.join("services/added").exists());
    // Fourth build, staged in the second output: its page of the added service goes.
    let fourth = build(site.path(), &out);
    assert!(fourth.status.success());
    assert!(!out.join("services/added").exists());
    // The same bytes, file for file, as a build into an empty folder.
    let fresh = site.path().join("fresh");
    assert!(build(site.path(), &fresh).status.success());
    let (built, expected) = (tree(&out), tree(&fresh));
    assert_eq!(
        built.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &expected {
        assert!(&built[path] == bytes, "{path} differs from a fresh build");
    }
    assert!(String::from_utf8_lossy(&built["services/overrides/index.html"]).contains("Новое — "));
}
