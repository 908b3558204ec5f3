//! A service's text is not kept after loading: the check, its page and the build's
//! messages read the file again. What they read must be what was loaded, or the run must
//! say so: a page rendered from a changed file is refused, the check takes the file as it
//! is now, and a message never quotes a changed file at stale positions.

use std::path::{Path, PathBuf};

use crate::common::{copy_dir, repo};
use yasno::check::packed::BuildWarnings;
use yasno::check::{self, CheckConfig, Rules, site as cs};
use yasno::diagnostics::Detail;

fn minimal_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/minimal"), dir.path());
    dir
}

fn opts(root: &Path) -> yasno::BuildOptions {
    yasno::BuildOptions {
        root: root.to_owned(),
        output: Some(root.join("out")),
        base_url: None,
        drafts: false,
        strict: false,
        handbook: None,
    }
}

fn service(root: &Path) -> PathBuf {
    root.join("content/services/inherits.md")
}

#[test]
fn a_page_is_not_rendered_from_a_file_changed_since_loading() {
    let dir = minimal_site();
    let (site, theme) = yasno::load(&opts(dir.path())).unwrap();
    assert!(yasno::render_files(&site, &theme).is_ok());
    let path = service(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("Текст.", "Другой текст.")).unwrap();
    let err = yasno::render_files(&site, &theme).unwrap_err();
    let d = err
        .0
        .iter()
        .find(|d| d.code == "changed")
        .expect("a `changed` error");
    assert_eq!(&*d.file, path.as_path());
    assert!(d.message.contains("изменился"), "{}", d.message);
}

#[test]
fn the_check_takes_a_file_changed_since_loading_as_it_is_now() {
    let dir = minimal_site();
    let (site, _) = yasno::load(&opts(dir.path())).unwrap();
    let path = service(dir.path());
    let old = std::fs::read_to_string(&path).unwrap();
    // A longer title moves every later position of the file.
    let new = old.replace(
        "title = \"Услуга с общими контактами\"",
        "title = \"Длинное название услуги, в целях проверки\"",
    );
    std::fs::write(&path, &new).unwrap();
    let options = check::CheckOptions {
        today: check::today(),
        cache: None,
    };
    let outcome = check::run(check::Target::Site(&site), &options);
    let at = new.find("в целях").unwrap();
    let found = (outcome.check.findings.iter())
        .find(|f| f.rule == "bureaucratese" && &*f.file == path.as_path())
        .expect("the canceliarism in the new title");
    assert_eq!(found.span.start, at);
    assert_eq!((found.line, found.column), (2, 35));
}

#[test]
fn messages_quote_files_read_again_and_never_a_changed_one() {
    let dir = tempfile::tempdir().unwrap();
    let text = "В целях защиты детей мы проверяем всё.\n";
    let files: Vec<cs::FileInput> = (0..3)
        .map(|i| {
            let path = dir.path().join(format!("p{i}.md"));
            std::fs::write(&path, text).unwrap();
            cs::FileInput::loose(path, text.into(), "ru")
        })
        .collect();
    let rules = Rules::new(&CheckConfig::default());
    let today = check::today();
    let cal = check::Calendar::russia();
    let pack = |budget: usize| {
        let mut w = BuildWarnings::with_text_budget(false, budget);
        cs::check_files_with(files.clone(), &rules, &cal, today, None, &mut |c| {
            w.take_findings(c)
        });
        w.finish();
        w
    };
    let (kept, reread) = (pack(usize::MAX), pack(0));
    let full = kept.to_plain_string(Detail::Full, "");
    assert!(full.contains("В целях защиты"), "{full}");
    assert_eq!(reread.to_plain_string(Detail::Full, ""), full);
    // The file changes after the check: its messages name it without an excerpt.
    std::fs::write(dir.path().join("p1.md"), "Совсем другой текст файла.\n").unwrap();
    let after = reread.to_plain_string(Detail::Full, "");
    assert!(!after.contains("Совсем другой"), "{after}");
    assert_eq!(
        after.matches("В целях защиты").count(),
        full.matches("В целях защиты").count() - 1
    );
    assert!(
        after.contains(&format!("in {}", dir.path().join("p1.md").display())),
        "{after}"
    );
}

#[test]
fn a_check_that_releases_its_texts_reads_them_again_unless_changed() {
    let dir = tempfile::tempdir().unwrap();
    let text = "В целях защиты детей мы проверяем всё.\n";
    let files: Vec<cs::FileInput> = (0..300)
        .map(|i| {
            let path = dir.path().join(format!("p{i:03}.md"));
            std::fs::write(&path, text).unwrap();
            cs::FileInput::loose(path, text.into(), "ru")
        })
        .collect();
    let rules = Rules::new(&CheckConfig::default());
    let cal = check::Calendar::russia();
    let mut batches = 0;
    let r = cs::check_files_with(files, &rules, &cal, check::today(), None, &mut |c| {
        batches += 1;
        c.release_sources();
    });
    assert!(batches >= 2, "{batches}");
    assert!(r.sources.is_empty(), "texts kept: {}", r.sources.len());
    let (a, b) = (dir.path().join("p000.md"), dir.path().join("p299.md"));
    assert!(r.has_source(&a) && r.has_source(&b));
    assert_eq!(r.source(&a).as_deref(), Some(text));
    std::fs::write(&b, "Другой текст.\n").unwrap();
    assert_eq!(r.source(&b), None, "a changed file is not quoted");
}

/// The findings of a run as comparable rows.
fn rows(outcome: &check::run::CheckOutcome) -> Vec<(String, String, usize, usize)> {
    (outcome.check.findings.iter())
        .map(|f| {
            (
                f.file.display().to_string(),
                f.rule.to_owned(),
                f.line,
                f.column,
            )
        })
        .collect()
}

#[test]
fn a_cached_page_is_read_again_only_when_a_freshness_rule_fires() {
    let dir = minimal_site();
    // A finding in the body, so that checking the file anew would show.
    let path = service(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!("{text}\nВ целях защиты детей мы проверяем всё.\n"),
    )
    .unwrap();
    let (site, _) = yasno::load(&opts(dir.path())).unwrap();
    let cache = dir.path().join("check.bin");
    let check_on = |today: &str, cache: Option<PathBuf>| {
        let options = check::CheckOptions {
            today: today.parse().unwrap(),
            cache,
        };
        check::run(check::Target::Site(&site), &options)
    };
    let run = |today: &str| check_on(today, Some(cache.clone()));
    // The day the pages were updated (nothing stale), and years later (both stale).
    let (fresh, stale) = ("2026-05-14", "2031-05-14");
    let (fresh_cold, stale_cold) = (rows(&check_on(fresh, None)), rows(&check_on(stale, None)));
    let file = path.display().to_string();
    assert!(
        fresh_cold
            .iter()
            .any(|r| r.0 == file && r.1 == "bureaucratese"),
        "{fresh_cold:?}"
    );
    assert_eq!(
        rows(&run(fresh)),
        fresh_cold,
        "the run that fills the cache"
    );
    assert!(!fresh_cold.iter().any(|r| r.1 == "stale"), "{fresh_cold:?}");
    assert!(stale_cold.iter().any(|r| r.1 == "stale"), "{stale_cold:?}");
    let warm = run(fresh);
    assert!(warm.check.cached >= 2, "{}", warm.check.cached);
    assert_eq!(rows(&warm), fresh_cold);
    // A stale page's finding is placed in its text, read again for it.
    assert_eq!(rows(&run(stale)), stale_cold);

    // The file is gone after loading: a cached page with nothing stale is not read, so its
    // findings are the cached ones; one with a stale date is read, and checked as it is
    // now (empty).
    std::fs::remove_file(&path).unwrap();
    assert_eq!(rows(&run(fresh)), fresh_cold);
    let gone = rows(&run(stale));
    assert!(
        !gone.iter().any(|r| r.0 == file && r.1 == "stale"),
        "an unread file has no positions: {gone:?}"
    );
    assert_ne!(gone, stale_cold);
}
