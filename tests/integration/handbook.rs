//! The staff handbook (issue 17): built by the real binary beside the public output, its
//! letters filled with the model's facts, its structure rules and coverage in `yasno check`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::common::{copy_dir, html, repo, sel};
use yasno::site::calendar::Calendar;
use yasno::site::{LoadOptions, Site};

fn yasno(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(args)
        .output()
        .expect("yasno runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("handbook-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The example site built once into `<tmp>/built/public`; its handbook is beside it.
fn built() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tmp("built");
        let public = dir.join("public");
        let root = repo();
        let o = yasno(&[
            "build",
            "--root",
            root.to_str().unwrap(),
            "--output",
            public.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        dir
    })
}

/// A copy of the example site's content (not its built output) to break.
fn site_copy(name: &str) -> PathBuf {
    let dir = tmp(name);
    copy_dir(&repo().join("content"), &dir.join("content"));
    dir
}

fn files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

#[test]
fn handbook_is_beside_public_never_inside_it_and_never_linked() {
    let dir = built();
    let (public, handbook) = (dir.join("public"), dir.join("handbook"));
    for f in [
        "index.html",
        "common.html",
        "routing.html",
        "posters.html",
        "data.js",
    ] {
        assert!(handbook.join(f).is_file(), "handbook/{f}");
    }
    let names: Vec<String> = files(&handbook)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    for f in files(&public) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            ![
                "handbook.js",
                "handbook.css",
                "data.js",
                "common.html",
                "routing.html"
            ]
            .contains(&name.as_str()),
            "{} is a handbook file",
            f.display()
        );
        assert!(!name.starts_with("service-"), "{}", f.display());
        if !name.ends_with(".html") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(!text.contains("Справочник сотрудника"), "{}", f.display());
        let doc = html(&f);
        for a in doc.select(&sel("a[href], link[href], script[src]")) {
            let v = a.value();
            let href = v.attr("href").or(v.attr("src")).unwrap_or_default();
            assert!(
                !href.contains("handbook")
                    && !names
                        .iter()
                        .any(|n| href.ends_with(n.as_str()) && n != "index.html"),
                "{} links to the handbook: {href}",
                f.display()
            );
        }
    }
    // Relative links only, so it works opened from a network drive.
    for f in files(&handbook)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
    {
        let doc = html(f);
        for a in doc.select(&sel("nav a[href], link[href], script[src]")) {
            let v = a.value();
            let href = v.attr("href").or(v.attr("src")).unwrap();
            assert!(!href.starts_with('/') && !href.contains("://"), "{href}");
        }
    }
}

#[test]
fn a_handbook_folder_inside_public_is_refused() {
    let root = site_copy("inside");
    let public = root.join("public");
    let o = yasno(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--handbook",
        public.join("staff").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("handbook-dir") && err.contains("открытый доступ"),
        "{err}"
    );
    assert!(!public.join("staff").exists());
    // Set in the settings: the error points at the field.
    let settings = root.join("content/site.toml");
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(
        &settings,
        format!("handbook_dir = \"public/handbook\"\n{text}"),
    )
    .unwrap();
    let o = yasno(&["build", "--root", root.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("site.toml:1:17"), "{err}");
    assert!(!public.join("handbook").exists());
}

#[test]
fn letters_state_the_services_deadline_and_due_date_and_documents() {
    let dir = built();
    let site = Site::load(&repo(), &LoadOptions::default()).unwrap();
    let cal = Calendar::russia().extended(&site.settings.check.calendar);
    let today = yasno::check::today();
    let public = dir.join("public");
    let mut seen = 0;
    for svc in site.default_lang_services() {
        let page = html(&dir.join(format!("handbook/service-{}.html", svc.slug)));
        let public_page = html(&public.join(format!("services/{}/index.html", svc.slug)));
        // The deadline as the public page states it.
        let deadline: String = public_page
            .select(&sel(".key-facts dd"))
            .next()
            .unwrap()
            .text()
            .collect();
        let ack = page
            .select(&sel("article.kind-acknowledgement"))
            .next()
            .unwrap();
        let ack_text: String = ack.text().collect();
        assert!(
            ack_text.contains(&format!("Срок услуги: {deadline}.")),
            "{}: {ack_text}",
            svc.slug
        );
        let due = ack.select(&sel("time.due")).next().unwrap();
        let want =
            yasno::handbook::due_date(today, svc.meta.deadline.days, svc.meta.deadline.kind, &cal);
        assert_eq!(
            due.value().attr("datetime"),
            Some(want.to_string().as_str()),
            "{}",
            svc.slug
        );
        assert_eq!(
            due.value().attr("data-days"),
            Some(svc.meta.deadline.days.to_string().as_str())
        );
        let answer = page.select(&sel("article.kind-answer")).next().unwrap();
        let items: Vec<String> = answer
            .select(&sel("li"))
            .map(|li| li.text().collect())
            .collect();
        let docs: Vec<&str> = svc.meta.documents.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(items.len(), docs.len(), "{}", svc.slug);
        for (item, doc) in items.iter().zip(&docs) {
            assert!(item.starts_with(doc), "{item} / {doc}");
        }
        let refusal: String = page
            .select(&sel("article.kind-refusal"))
            .next()
            .unwrap()
            .text()
            .collect();
        for g in &svc.refusal_grounds {
            assert!(refusal.contains(&g.ground) && refusal.contains(&g.remedy));
        }
        seen += 1;
    }
    assert!(seen >= 10);
}

#[test]
fn the_public_service_page_lists_refusal_grounds_with_remedies() {
    let dir = built();
    let site = Site::load(&repo(), &LoadOptions::default()).unwrap();
    let svc = site
        .default_lang_services()
        .find(|s| s.slug == "razreshenie-na-brak")
        .unwrap();
    let page = html(&dir.join("public/services/razreshenie-na-brak/index.html"));
    let grounds: Vec<String> = page
        .select(&sel("#refusal ~ ul.refusal-grounds .ground"))
        .map(|e| e.text().collect())
        .collect();
    let want: Vec<&str> = svc
        .refusal_grounds
        .iter()
        .map(|g| g.ground.as_str())
        .collect();
    assert_eq!(grounds, want);
    assert_eq!(
        page.select(&sel("ul.refusal-grounds .remedy")).count(),
        want.len()
    );
}

/// `yasno check --format json` on `root`: (exit success, findings).
fn check_json(root: &Path) -> (bool, Vec<serde_json::Value>) {
    let o = yasno(&[
        "check",
        "--root",
        root.to_str().unwrap(),
        "--format",
        "json",
        "--no-cache",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    (o.status.success(), v.as_array().unwrap().clone())
}

fn staff_findings(all: &[serde_json::Value]) -> Vec<(String, String, u64)> {
    all.iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("staff-"))
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let name = Path::new(file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (
                f["rule"].as_str().unwrap().to_owned(),
                name,
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn structure_rules_are_quiet_on_the_example_content() {
    let (ok, all) = check_json(&repo());
    assert!(ok);
    assert_eq!(staff_findings(&all), vec![]);
    // Every staff text went through the plain-language rules too (none found anything).
    assert!(
        all.iter()
            .all(|f| !f["file"].as_str().unwrap().contains("content/staff"))
    );
}

/// Writes `content/staff/<name>` into a copy of the example site.
fn write(root: &Path, name: &str, text: &str) {
    std::fs::write(root.join("content/staff").join(name), text).unwrap();
}

#[test]
fn each_structure_rule_fires_on_a_broken_text_at_its_line() {
    let root = site_copy("broken");
    // An acknowledgement without thanks, without a date in its deadline and without survey.
    write(
        &root,
        "uvedomlenie.md",
        "+++\ntitle = \"Письмо\"\nkind = \"acknowledgement\"\nchannel = \"email\"\nservices = \"all\"\n+++\n\n## Приветствие\n\nЗдравствуйте!\n\n## Срок ответа\n\nМы ответим скоро.\n",
    );
    // An incoming call with three transfers, no insult branch and no name in the greeting.
    write(
        &root,
        "vhodyashchiy-zvonok.md",
        "+++\ntitle = \"Звонок\"\nkind = \"incoming_call\"\nchannel = \"phone\"\nservices = \"all\"\nroute = [\n  \"Секретарь\",\n  \"Специалист\",\n  \"Руководитель\",\n]\n+++\n\n## Приветствие\n\nДобрый день!\n\n## Опрос\n\n{{ survey_url }}\n",
    );
    write(
        &root,
        "otkaz.md",
        "+++\ntitle = \"Отказ\"\nkind = \"refusal\"\nchannel = \"post\"\nservices = \"all\"\n+++\n\nМы отказали. Опрос: {{ survey_url }}\n",
    );
    write(
        &root,
        "zapis.md",
        "+++\ntitle = \"Запись\"\nkind = \"booking\"\nchannel = \"email\"\nservices = \"all\"\n+++\n\nВы записаны. Опрос: {{ survey_url }}\n",
    );
    let (ok, all) = check_json(&root);
    assert!(!ok, "structure errors fail the check");
    let got = staff_findings(&all);
    let has = |rule: &str, file: &str, line: u64| {
        assert!(
            got.contains(&(rule.to_owned(), file.to_owned(), line)),
            "{rule} at {file}:{line} in {got:?}"
        )
    };
    has("staff-ack-parts", "uvedomlenie.md", 3); // missing «Благодарность»: at `kind`
    has("staff-ack-parts", "uvedomlenie.md", 12); // «Срок ответа» without a date
    has("staff-survey-invite", "uvedomlenie.md", 3);
    has("staff-call-parts", "vhodyashchiy-zvonok.md", 3); // missing parts
    has("staff-call-parts", "vhodyashchiy-zvonok.md", 13); // greeting without {{ employee }}
    has("staff-insult-branch", "vhodyashchiy-zvonok.md", 3);
    has("staff-transfers", "vhodyashchiy-zvonok.md", 9); // the third transfer
    has("staff-refusal-grounds", "otkaz.md", 3);
    has("staff-booking-documents", "zapis.md", 3);
}

#[test]
fn coverage_lists_a_service_without_an_incoming_call_script_and_a_missing_situation() {
    let root = site_copy("coverage");
    let script = root.join("content/staff/vhodyashchiy-zvonok.md");
    let text = std::fs::read_to_string(&script).unwrap();
    let text = text.replace("services = \"all\"", "services = [\"razreshenie-na-brak\"]");
    std::fs::write(&script, text).unwrap();
    std::fs::remove_file(root.join("content/staff/blagodarnost.md")).unwrap();
    let (ok, all) = check_json(&root);
    assert!(ok, "coverage gaps are warnings");
    let cov: Vec<&serde_json::Value> = all
        .iter()
        .filter(|f| f["rule"] == "staff-coverage")
        .collect();
    let gazeta = cov
        .iter()
        .find(|f| f["file"].as_str().unwrap().ends_with("services/gazeta.md"))
        .expect("gazeta lacks its incoming-call script");
    assert_eq!(gazeta["line"], 2, "at the service's title");
    assert!(
        gazeta["message"]
            .as_str()
            .unwrap()
            .contains("incoming_call")
    );
    assert!(!cov.iter().any(|f| {
        f["file"]
            .as_str()
            .unwrap()
            .ends_with("razreshenie-na-brak.md")
    }));
    assert!(
        cov.iter()
            .any(|f| f["message"].as_str().unwrap().contains("(thanks)"))
    );
    // The same gaps as data, for the quarterly report.
    let site = Site::load(&root, &LoadOptions::default()).unwrap();
    let c = yasno::handbook::coverage(&site, &site.staff);
    let gaz = c.services.iter().find(|s| s.slug == "gazeta").unwrap();
    assert_eq!(gaz.missing, [yasno::site::staff::Kind::IncomingCall]);
    assert_eq!(
        c.missing_situations,
        [yasno::site::staff::Situation::Thanks]
    );
}

#[test]
fn an_unknown_placeholder_is_an_error_at_its_line_and_column_listing_the_known_ones() {
    let root = site_copy("placeholder");
    write(
        &root,
        "oskorbleniya.md",
        "+++\ntitle = \"Ответ\"\nkind = \"no_decision\"\nchannel = \"email\"\nsituation = \"insult\"\n+++\n\nЗдравствуйте! Срок: {{ dedline }}. {{ survey_url }}\n",
    );
    let o = yasno(&["check", "--root", root.to_str().unwrap(), "--no-cache"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("oskorbleniya.md:8:21"), "{err}");
    assert!(err.contains("«dedline»"), "{err}");
    assert!(
        err.contains("deadline") && err.contains("survey_url") && err.contains("due_date"),
        "{err}"
    );
    let o = yasno(&["build", "--root", root.to_str().unwrap()]);
    assert!(!o.status.success(), "the build stops too");
}

/// The inode of each handbook file, by name: a file linked or kept from the previous build
/// keeps its inode, a rewritten one gets a new one.
fn inodes(handbook: &Path) -> std::collections::BTreeMap<String, u64> {
    use std::os::unix::fs::MetadataExt;
    files(handbook)
        .into_iter()
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| {
            let rel = p
                .strip_prefix(handbook)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::metadata(&p).unwrap().ino())
        })
        .collect()
}

#[test]
fn a_rebuild_rewrites_only_the_handbook_pages_that_changed_and_keeps_an_editors_file() {
    let root = site_copy("kept");
    let handbook = root.join("handbook");
    let build = || yasno(&["build", "--root", root.to_str().unwrap()]);
    let o = build();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let first = inodes(&handbook);
    assert!(first.len() > 10, "{first:?}");
    let o = build();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        inodes(&handbook),
        first,
        "an unchanged handbook is not rewritten"
    );

    // One staff text changes: the pages that show it are written, the rest are not.
    let staff = root.join("content/staff");
    let text = files(&staff)
        .into_iter()
        .find(|p| std::fs::read_to_string(p).unwrap().contains("\n## "))
        .expect("a staff text with parts");
    let old = std::fs::read_to_string(&text).unwrap();
    std::fs::write(&text, format!("{old}\nСтрока, добавленная при проверке.\n")).unwrap();
    let o = build();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let third = inodes(&handbook);
    let changed: Vec<&String> = third
        .keys()
        .filter(|k| first.get(*k) != third.get(*k))
        .collect();
    assert!(!changed.is_empty(), "the edited text's pages are rewritten");
    // Every page that does not show the edit (nor the search index, which holds all texts)
    // is the previous build's file, not a new copy.
    const EDIT: &str = "Строка, добавленная при проверке.";
    for (rel, ino) in &third {
        let shows = std::fs::read_to_string(handbook.join(rel))
            .unwrap()
            .contains(EDIT);
        if !shows && rel != "data.js" {
            assert_eq!(Some(ino), first.get(rel), "{rel} was rewritten");
        }
    }
    assert!(
        changed.len() < third.len(),
        "some files are kept: {changed:?}"
    );

    // A file yasno did not make stops the build, and is neither moved nor deleted.
    std::fs::write(handbook.join("мои-заметки.txt"), "не удалять").unwrap();
    let o = build();
    assert!(!o.status.success());
    assert_eq!(
        std::fs::read_to_string(handbook.join("мои-заметки.txt")).unwrap(),
        "не удалять"
    );
}
