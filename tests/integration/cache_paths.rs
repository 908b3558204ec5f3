//! The check cache keys a site's files by their path inside the site's folder: the folder
//! spelled another way, or the site copied with its `.yasno-cache` into another folder (a CI
//! job restoring its cache into a new checkout), keeps every result. A run over the whole
//! site forgets the files that are gone. (The page memo does the same:
//! `page_reuse::the_site_folder_spelled_another_way_keeps_its_pages`.)

use std::path::{Path, PathBuf};

use crate::common::{copy_dir, example_site};
use yasno::check::{self, site as cs};

fn options(root: &Path, output: &Path) -> yasno::BuildOptions {
    yasno::BuildOptions {
        root: root.to_owned(),
        output: Some(output.to_owned()),
        base_url: None,
        drafts: false,
        strict: false,
        handbook: None,
    }
}

/// A finding: its file inside the site's folder, rule, line and column.
type Row = (String, String, usize, usize);

/// `yasno check` over the site at `root`, with its cache; (findings as rows, files checked,
/// files answered by the cache).
fn check_site(root: &Path) -> (Vec<Row>, usize, usize) {
    let (site, _) = yasno::load(&options(root, &root.join("public"))).unwrap();
    let opts = check::CheckOptions {
        today: "2026-05-20".parse().unwrap(),
        cache: Some(check::run::cache_path(root)),
    };
    let outcome = check::run(check::Target::Site(&site), &opts);
    let rows = (outcome.check.findings.iter())
        .map(|f| {
            let inside = f.file.strip_prefix(root).unwrap();
            (
                inside.display().to_string(),
                f.rule.to_owned(),
                f.line,
                f.column,
            )
        })
        .collect();
    (rows, outcome.check.pages.len(), outcome.check.cached)
}

/// Entries of the site's saved check cache.
fn cached_files(root: &Path) -> usize {
    let (site, _) = yasno::load(&options(root, &root.join("public"))).unwrap();
    check::run::load_cache(&check::run::cache_path(root), &site.settings.check).len()
}

#[test]
fn a_site_copied_with_its_cache_into_another_folder_is_not_checked_again() {
    let first = example_site();
    let (cold, files, cached) = check_site(first.path());
    assert_eq!(cached, 0);
    assert!(files > 5 && !cold.is_empty(), "{files} files, {cold:?}");
    let second = example_site();
    copy_dir(
        &first.path().join(".yasno-cache"),
        &second.path().join(".yasno-cache"),
    );
    let (moved, files_again, cached) = check_site(second.path());
    assert_eq!(
        (files_again, cached),
        (files, files),
        "every file from the cache"
    );
    assert_eq!(moved, cold);
    // The same folder spelled with a detour.
    let detour: PathBuf = second.path().join("content").join("..");
    let (spelled, _, cached) = check_site(&detour);
    assert_eq!((spelled, cached), (cold, files));
}

#[test]
fn a_whole_site_check_forgets_deleted_files_and_a_check_of_some_files_forgets_none() {
    let site = example_site();
    let root = site.path();
    let (_, files, _) = check_site(root);
    assert_eq!(cached_files(root), files);
    // A check of one loose file with the site's cache keeps the other files' results.
    let service = root.join("content/services/dengi-so-scheta-rebenka.md");
    let (loaded, _) = yasno::load(&options(root, &root.join("public"))).unwrap();
    let opts = check::CheckOptions {
        today: "2026-05-20".parse().unwrap(),
        cache: Some(check::run::cache_path(root)),
    };
    let text = std::fs::read_to_string(&service).unwrap();
    let one = vec![cs::FileInput::loose(service.clone(), text.into(), "ru")];
    let target = check::Target::Files {
        files: one,
        config: &loaded.settings.check,
        root: Some(root),
    };
    assert_eq!(check::run(target, &opts).check.cached, 1);
    assert_eq!(cached_files(root), files);
    // The whole site again, one service fewer: its result is dropped.
    std::fs::remove_file(&service).unwrap();
    let (_, fewer, cached) = check_site(root);
    assert_eq!((fewer, cached), (files - 1, files - 1));
    assert_eq!(cached_files(root), files - 1);
}
