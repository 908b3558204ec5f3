//! Long lists of messages are formatted on every core in chunks and written in order
//! (`yasno check`, `yasno check --format json`, `yasno build --verbose`): the output must be
//! byte for byte what one thread printing the list in order writes, and a file changed
//! after the check must still be named without a wrong excerpt.

use std::path::Path;

use crate::common::copy_dir;
use yasno::check::packed::BuildWarnings;
use yasno::check::{self, CheckConfig, Rules, site as cs};
use yasno::diagnostics::Detail;
use yasno::diagnostics::summary::LastText;

const TODAY: &str = "2026-06-01";

/// The legacy fixture with each service copied eight times: ~1,650 findings in 24 files and the settings file,
/// several chunks of the parallel printer.
fn big_legacy_site() -> tempfile::TempDir {
    let legacy = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check/legacy");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&legacy, dir.path());
    let services = dir.path().join("content/services");
    for entry in std::fs::read_dir(&services).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        for k in 1..8 {
            std::fs::write(services.join(format!("{stem}-{k}.md")), &text).unwrap();
        }
    }
    dir
}

/// `yasno check` of `root` with `args`: its output, whether it found errors or not.
fn run_cli_any(root: &Path, args: &[&str]) -> String {
    let out = crate::common::check_cli_output(root, TODAY, args);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The check of `root` through the library, as the CLI runs it.
fn library_check(root: &Path) -> check::CheckOutcome {
    let opts = yasno::site::LoadOptions {
        drafts: true,
        base_url: None,
    };
    let site = yasno::site::Site::load(root, &opts).unwrap();
    let today = yasno::site::Date::parse(TODAY).unwrap().0;
    let options = check::CheckOptions { today, cache: None };
    check::run(check::Target::Site(&site), &options)
}

#[test]
fn check_output_printed_in_parallel_chunks_is_the_serial_output() {
    let dir = big_legacy_site();
    let findings = cli_prints_the_librarys_findings(dir.path());
    assert!(findings > 3 * 512, "{findings}");
}

/// The site-wide rules' findings (staff handbook, translations) take their places among
/// the pages' in the same files: `yasno check` keeps findings as rows and adds those to
/// them, the library keeps findings and sorts them.
#[test]
fn check_output_places_site_wide_findings_among_the_pages() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    for site in [
        manifest.to_path_buf(),
        manifest.join("tests/fixtures/languages"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&site.join("content"), &dir.path().join("content"));
        // A staff text missing its deadline (site-wide) with bureaucratese before and
        // after it (the page's rules).
        let ack = dir.path().join("content/staff/uvedomlenie.md");
        if let Ok(text) = std::fs::read_to_string(&ack) {
            let text = text.replace("до {{ due_date }}. Срок услуги: {{ deadline }}.", "скоро.")
                + "\nВ целях осуществления контроля осуществляется проверка.\n";
            std::fs::write(&ack, text).unwrap();
        }
        // A translation (site-wide: not reviewed) with words in capitals (the page's).
        let en = dir.path().join("content/services/spravka.en.md");
        if let Ok(text) = std::fs::read_to_string(&en) {
            let text = text + "\nPLEASE BRING YOUR PASSPORT AND ALL YOUR PAPERS WITH YOU.\n";
            std::fs::write(&en, text).unwrap();
        }
        let outcome = library_check(dir.path());
        let found = &outcome.check.findings;
        let site_wide = |f: &&check::Finding| {
            f.rule.starts_with("staff-") || f.rule.starts_with("translation-")
        };
        // A file with both kinds, so that the order within a file is shown too.
        let shared = found.iter().filter(site_wide).any(|s| {
            found
                .iter()
                .any(|f| f.file == s.file && !site_wide(&f) && f.line > s.line)
        });
        assert!(shared, "{}", site.display());
        assert!(found.iter().any(|f| site_wide(&f)), "{}", site.display());
        cli_prints_the_librarys_findings(dir.path());
    }
}

/// Asserts that `yasno check` of `root` prints (human and JSON) what one thread printing
/// the library's findings in order writes; returns how many there are.
fn cli_prints_the_librarys_findings(root: &Path) -> usize {
    let outcome = library_check(root);
    let result = &outcome.check;

    // One thread, finding after finding, as `yasno check` printed before.
    let mut serial = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    for f in &result.findings {
        let source = result.source(&f.file).unwrap();
        let name = f.file.display().to_string();
        let d = check::to_diagnostic(f, ());
        let config = codespan_reporting::term::Config::default();
        yasno::diagnostics::excerpt::emit(&mut serial, &config, &name, &source, d).unwrap();
    }
    let serial = String::from_utf8(serial.into_inner()).unwrap();
    let human = run_cli_any(root, &[]);
    same(&human[..serial.len().min(human.len())], &serial);
    let summary = &human[serial.len()..];
    let files = result.pages.len();
    assert!(
        summary.starts_with(&format!("Проверено файлов: {files};")),
        "{summary}"
    );

    let json = run_cli_any(root, &["--format", "json"]);
    same(&json, &(check::findings_to_json(&result.findings) + "\n"));
    result.findings.len()
}

/// Asserts `got == want`, showing where they part (the texts are ~1 MB).
fn same(got: &str, want: &str) {
    let at = (got.bytes().zip(want.bytes()))
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    let around = |s: &str| {
        String::from_utf8_lossy(&s.as_bytes()[at.saturating_sub(200)..(at + 200).min(s.len())])
            .into_owned()
    };
    assert!(
        got == want,
        "differ at byte {at} of {} / {}:\n--- got\n{}\n--- want\n{}",
        got.len(),
        want.len(),
        around(got),
        around(want)
    );
}

/// `n` loose files, each with `lines` canceliarisms.
fn loose_files(dir: &Path, n: usize, lines: usize) -> Vec<cs::FileInput> {
    let text = "В целях защиты детей мы проверяем всё.\n".repeat(lines);
    (0..n)
        .map(|i| {
            let path = dir.join(format!("p{i:02}.md"));
            std::fs::write(&path, &text).unwrap();
            cs::FileInput::loose(path, text.as_str().into(), "ru")
        })
        .collect()
}

/// The build's warnings of `files`, with no text kept (every file is read again).
fn packed(files: &[cs::FileInput]) -> BuildWarnings {
    let rules = Rules::new(&CheckConfig::default());
    let cal = check::Calendar::russia();
    let mut w = BuildWarnings::with_text_budget(false, 0);
    cs::check_files_with(
        files.to_vec(),
        &rules,
        &cal,
        check::today(),
        None,
        &mut |c| w.take_findings(c),
    );
    w.finish();
    w
}

/// Every warning printed by one thread, one after another.
fn serial(w: &BuildWarnings) -> String {
    (0..w.len())
        .map(|i| w.diagnostic(i).to_plain_string())
        .collect()
}

#[test]
fn build_warnings_printed_in_parallel_keep_order_and_skip_a_changed_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = loose_files(dir.path(), 30, 60);
    let w = packed(&files);
    assert!(w.len() > 3 * 512, "{}", w.len());
    let full = w.to_plain_string(Detail::Full, "");
    same(&full, &serial(&w));
    // Files in order: p00 before p01 … before p29.
    let firsts: Vec<usize> = (0..30)
        .map(|i| full.find(&format!("p{i:02}.md:")).unwrap())
        .collect();
    assert!(firsts.windows(2).all(|p| p[0] < p[1]), "{firsts:?}");

    // A file in the middle changes after the check: its messages name it, quote nothing.
    let changed = dir.path().join("p17.md");
    std::fs::write(&changed, "Совсем другой текст файла.\n".repeat(60)).unwrap();
    let after = w.to_plain_string(Detail::Full, "");
    same(&after, &serial(&w));
    assert!(!after.contains("Совсем другой"));
    let per_file = full.matches("В целях защиты").count() / 30;
    assert_eq!(after.matches("В целях защиты").count(), 29 * per_file);
    let named = format!("in {}", changed.display());
    assert_eq!(after.matches(&named).count(), per_file);
}

#[test]
fn a_file_is_read_once_for_all_its_messages() {
    let dir = tempfile::tempdir().unwrap();
    let w = packed(&loose_files(dir.path(), 2, 3));
    let mut last = LastText::default();
    let a = w.diagnostic_reusing(0, &mut last).source.clone();
    let b = w.diagnostic_reusing(1, &mut last).source.clone();
    assert!(a.contains("В целях"));
    assert!(
        std::sync::Arc::ptr_eq(&a, &b),
        "the second message read the file again"
    );
    // Without the shared text each message reads the file.
    let c = w.diagnostic(1).source.clone();
    assert!(!std::sync::Arc::ptr_eq(&a, &c));
}
