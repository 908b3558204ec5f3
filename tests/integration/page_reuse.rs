//! Service pages kept from the previous build without rendering (src/render/reuse.rs): after
//! every kind of edit a page can depend on, a build that reuses pages writes exactly what a
//! clean build of the same files writes, and the link check still sees kept pages' links
//! and ids.

use std::collections::BTreeMap;
use std::path::Path;

use yasno::render::Page;
use yasno::{BuildOptions, BuildReport};

use crate::common::{copy_dir, example_site};

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_owned(),
        output: None,
        base_url: None,
        drafts: false,
        strict: false,
        handbook: None,
    }
}

fn build(root: &Path) -> Result<BuildReport, String> {
    yasno::build(&options(root)).map_err(|e| e.to_string())
}

/// The error of a build that must fail.
fn build_error(root: &Path, why: &str) -> String {
    match build(root) {
        Ok(r) => panic!("{why}: the build passed ({} pages reused)", r.reused),
        Err(e) => e,
    }
}

/// Every file of a built folder with its bytes (the build's own marker left out).
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && e.file_name() != ".yasno-output")
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            (rel.display().to_string(), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Builds `site` again (reusing its previous pages) and a copy of its files from nothing,
/// and asserts both outputs are the same file for file; returns the reusing build's report.
fn assert_same_as_clean(site: &Path, edit: &str) -> BuildReport {
    let report = build(site).unwrap_or_else(|e| panic!("after {edit}: {e}"));
    let clean = tempfile::tempdir().unwrap();
    for part in ["content", "themes", "templates"] {
        if site.join(part).exists() {
            copy_dir(&site.join(part), &clean.path().join(part));
        }
    }
    build(clean.path()).unwrap_or_else(|e| panic!("clean build after {edit}: {e}"));
    let (kept, fresh) = (
        tree(&site.join("public")),
        tree(&clean.path().join("public")),
    );
    assert_eq!(
        kept.keys().collect::<Vec<_>>(),
        fresh.keys().collect::<Vec<_>>(),
        "files after {edit}"
    );
    for (path, bytes) in &kept {
        assert!(
            *bytes == fresh[path],
            "after {edit}, {path} differs from a clean build's"
        );
    }
    report
}

fn edit(site: &Path, rel: &str, from: &str, to: &str) {
    let path = site.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has no `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// Adds a paragraph at the end of a content file's body.
fn append(site: &Path, rel: &str, paragraph: &str) {
    let path = site.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\n\n{paragraph}\n")).unwrap();
}

/// The number of service pages of the site in `root` as its last build wrote them.
fn service_pages(root: &Path) -> usize {
    (tree(&root.join("public")).keys())
        .filter(|p| p.contains("services/") && p.ends_with("/index.html"))
        .count()
}

#[test]
fn a_reusing_build_equals_a_clean_one_after_every_kind_of_edit() {
    let site = example_site();
    let root = site.path();
    let first = build(root).unwrap();
    assert_eq!(first.reused, 0, "nothing to reuse in a first build");
    let services = service_pages(root);
    assert!(services > 20, "{services}");

    // Nothing changed: every service page and every listing page is kept, none rendered
    // (content pages are always rendered).
    let (loaded, _) = yasno::load(&options(root)).unwrap();
    let listing = (yasno::render::pages(&loaded).iter())
        .filter(|p| !matches!(p, Page::Service(_) | Page::Content(_)))
        .count();
    assert!(listing > 10, "{listing}");
    let memo = root.join(".yasno-cache/pages.bin");
    let memo_file = || std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&memo).unwrap());
    let before = memo_file();
    let again = assert_same_as_clean(root, "no edit");
    assert_eq!(again.reused, services + listing);
    // With nothing new, the memo file is left as it is (written again, it is a new file).
    assert_eq!(
        memo_file(),
        before,
        "an unchanged memo is not written again"
    );

    // From here on each edit changes a service or what all pages share: the listing pages
    // are rendered again, and the count of kept pages is of service pages.

    // One service's text: only that page is rendered again.
    append(
        root,
        "content/services/razreshenie-na-brak.md",
        "Новый абзац для проверки.",
    );
    let one = assert_same_as_clean(root, "a service body");
    assert_eq!(one.reused, services - 1);
    assert_ne!(memo_file(), before, "a changed memo is written");

    // A source's title: its translations name it nowhere, but their switcher and
    // alternates list it, so the whole group is rendered again.
    edit(
        root,
        "content/services/gazeta.md",
        "title = \"Муниципальная газета",
        "title = \"Газета округа",
    );
    let group = assert_same_as_clean(root, "a translated service's title");
    assert_eq!(group.reused, services - 5);

    // A translation removed: the other versions' switchers change.
    std::fs::remove_file(root.join("content/services/gazeta.uz.md")).unwrap();
    let removed = assert_same_as_clean(root, "a translation removed");
    assert_eq!(removed.reused, services - 1 - 4);

    // What every page shares: each edit renders every service page again.
    let shared: [(&str, &str, &str, &str); 5] = [
        (
            "a template of the theme",
            "themes/default/templates/service.html",
            "<section aria-labelledby=\"documents\">",
            "<section aria-labelledby=\"documents\" class=\"edited\">",
        ),
        (
            "an interface string",
            "themes/default/i18n/en.toml",
            "skip_link = \"Skip to main content\"",
            "skip_link = \"Skip to the content\"",
        ),
        (
            "the settings",
            "content/site.toml",
            "phone = \"+7 812 702-12-02\"",
            "phone = \"+7 812 702-12-03\"",
        ),
        (
            "a survey",
            "content/surveys/default.toml",
            "title = \"Оцените услугу\"",
            "title = \"Оцените, пожалуйста, услугу\"",
        ),
        (
            "a settings translation",
            "content/site.en.toml",
            "Monday to Thursday 10:00 to 17:00",
            "Monday to Thursday 10:00 to 18:00",
        ),
    ];
    for (what, rel, from, to) in shared {
        edit(root, rel, from, to);
        let r = assert_same_as_clean(root, what);
        assert_eq!(r.reused, 0, "{what}");
    }

    // A content page: every page links the accessibility statement in its language.
    std::fs::remove_file(root.join("content/pages/accessibility.uz.md")).unwrap();
    let r = assert_same_as_clean(root, "a content page removed");
    assert_eq!(r.reused, 0);
}

#[test]
fn the_link_check_sees_the_links_and_ids_of_kept_pages() {
    let site = example_site();
    let root = site.path();
    append(
        root,
        "content/services/razreshenie-na-brak.md",
        "См. [опекуна](/services/naznachenie-opekuna/) и [документы](/services/gazeta/#documents).",
    );
    build(root).unwrap();
    // The linking page is kept as it was; the page it links to is gone.
    std::fs::remove_file(root.join("content/services/naznachenie-opekuna.md")).unwrap();
    let err = build_error(root, "a kept page's link to a removed page is broken");
    assert!(err.contains("razreshenie-na-brak.md"), "{err}");
    assert!(err.contains("/services/naznachenie-opekuna/"), "{err}");
    let public = tree(&root.join("public"));
    assert!(public.contains_key("services/naznachenie-opekuna/index.html"));

    // The linked part must exist on the kept page it points into.
    edit(
        root,
        "content/services/razreshenie-na-brak.md",
        "[опекуна](/services/naznachenie-opekuna/)",
        "[газета](/services/gazeta/#no-such-part)",
    );
    let err = build_error(root, "a fragment that no id of the kept page has");
    assert!(err.contains("#no-such-part"), "{err}");
    edit(
        root,
        "content/services/razreshenie-na-brak.md",
        "#no-such-part",
        "#documents",
    );
    let ok = build(root).unwrap();
    assert!(
        ok.reused > 0,
        "the page linked into was kept: {}",
        ok.reused
    );
}

/// The page keys take a service's path inside the site's folder: the folder spelled with a
/// detour (the output named the same) keeps every page (src/render/reuse.rs).
#[test]
fn the_site_folder_spelled_another_way_keeps_its_pages() {
    let site = example_site();
    let first = build(site.path()).unwrap();
    assert_eq!(first.reused, 0);
    let detour = site.path().join("content").join("..");
    let opts = BuildOptions {
        output: Some(site.path().join("public")),
        ..options(&detour)
    };
    let again = yasno::build(&opts).unwrap();
    let services = service_pages(site.path());
    assert!(services > 3, "{services}");
    assert!(again.reused >= services, "{} of {services}", again.reused);
}
