//! The check's memory shape: each finding text is kept once (in memory, in the cache file,
//! in the build's diagnostics), the cache reads back exactly what was checked, the list of
//! findings is sized ahead rather than doubled, and the binary runs on the allocator whose
//! behaviour those sizes were measured with (jemalloc, one arena).

use std::path::PathBuf;
use std::sync::Arc;

use jiff::civil::{Date, date};
use yasno::check::packed::BuildWarnings;
use yasno::check::run::{build_diagnostics, load_cache, save_cache, to_build_diagnostic};
use yasno::check::{Calendar, CheckCache, CheckConfig, Rules, Severity, site as cs};
use yasno::diagnostics::Detail;

const TODAY: Date = date(2026, 1, 1);

/// Two pages with the same canceliarism twice each.
fn inputs() -> Vec<cs::FileInput> {
    let text = "В целях защиты детей мы проверяем всё.\n\nВ целях защиты детей мы проверяем всё.\n";
    (0..2)
        .map(|i| cs::FileInput::loose(PathBuf::from(format!("p{i}.md")), text.into(), "ru"))
        .collect()
}

fn check(cache: Option<&mut CheckCache>) -> cs::SiteCheck {
    let rules = Rules::new(&CheckConfig::default());
    cs::check_files(inputs(), &rules, &Calendar::russia(), TODAY, cache)
}

#[test]
fn equal_finding_texts_are_one_allocation() {
    let r = check(None);
    let b: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "bureaucratese")
        .collect();
    assert_eq!(b.len(), 4, "{:#?}", r.findings);
    for f in &b[1..] {
        assert!(Arc::ptr_eq(&f.message, &b[0].message));
        assert!(Arc::ptr_eq(&f.why, &b[0].why));
    }
}

#[test]
fn the_cache_file_stores_each_text_once_and_reads_back_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = CheckConfig::default();
    let mut cache = CheckCache::new(&cfg);
    let first = check(Some(&mut cache));
    let message = first.findings.iter().find(|f| f.rule == "bureaucratese");
    let message = message.unwrap().message.to_string();
    let path = dir.path().join("check.bin");
    // An earlier yasno's JSON cache is replaced, not left beside it.
    std::fs::write(dir.path().join("check.json"), "{}").unwrap();
    save_cache(&path, &cache).unwrap();
    assert!(!dir.path().join("check.json").exists());
    let bytes = std::fs::read(&path).unwrap();
    let stored = memchr::memmem::find_iter(&bytes, message.as_bytes()).count();
    assert_eq!(stored, 1, "{message:?} in {} bytes", bytes.len());
    let mut cache = load_cache(&path, &cfg);
    let again = check(Some(&mut cache));
    assert_eq!(again.cached, 2);
    assert_eq!(again.findings, first.findings);
    let b: Vec<_> = (again.findings.iter())
        .filter(|f| f.rule == "bureaucratese")
        .collect();
    assert!(Arc::ptr_eq(&b[0].message, &b[3].message));
}

/// A build fills the cache from rows and `yasno check` reads it back as findings (and the
/// other way round): the findings of a run without a cache, each time, in both orders.
#[test]
fn a_cache_written_by_the_build_reads_back_as_the_checks_findings() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = CheckConfig::default();
    let path = dir.path().join("check.bin");
    let (today, calendar) = (TODAY, Calendar::russia());
    let uncached = check(None);
    assert!(uncached.findings.len() >= 4);
    // The build's way: rows, taken by the build, stored with that run's text numbers.
    let rows_run = |cache: &mut CheckCache| {
        let rules = Rules::new(&cfg);
        let mut packed = BuildWarnings::new(false);
        let rest =
            cs::check_files_as_rows(inputs(), &rules, &calendar, today, Some(cache), &mut |c| {
                packed.take_findings(c)
            });
        packed.finish();
        (rest.cached, packed.into_diagnostics())
    };
    let mut cache = CheckCache::new(&cfg);
    let (cached, built) = rows_run(&mut cache);
    assert_eq!((cached, built.0.len()), (0, uncached.findings.len()));
    save_cache(&path, &cache).unwrap();
    // Another run (another table of texts) reads what the build stored.
    let again = check(Some(&mut load_cache(&path, &cfg)));
    assert_eq!(again.cached, 2);
    assert_eq!(again.findings, uncached.findings);
    // And a build reads what `yasno check` stored.
    let mut cache = CheckCache::new(&cfg);
    check(Some(&mut cache));
    save_cache(&path, &cache).unwrap();
    let (cached, from_check) = rows_run(&mut load_cache(&path, &cfg));
    assert_eq!(cached, 2);
    let key = |d: &yasno::diagnostics::Diagnostic| {
        (
            d.range.clone(),
            d.message.to_string(),
            d.help.as_ref().map(|h| h.to_string()),
        )
    };
    let keys = |d: &yasno::diagnostics::Diagnostics| d.0.iter().map(key).collect::<Vec<_>>();
    assert_eq!(keys(&from_check), keys(&built));
}

#[test]
fn a_damaged_cache_is_dropped_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = CheckConfig::default();
    let mut cache = CheckCache::new(&cfg);
    let first = check(Some(&mut cache));
    let path = dir.path().join("check.bin");
    save_cache(&path, &cache).unwrap();
    // Cut short, as by a full disk or a killed build (an index pointing past the string
    // table is covered by the cache's own unit test).
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let mut cache = load_cache(&path, &cfg);
    assert!(cache.is_empty());
    let again = check(Some(&mut cache));
    assert_eq!(again.cached, 0);
    assert_eq!(again.findings, first.findings);
}

#[test]
fn build_diagnostics_share_texts_and_keep_each_hint() {
    let r = check(None);
    let expected: Vec<_> = (r.findings.iter())
        .map(|f| {
            let source = r.sources[&*f.file].clone();
            let d = to_build_diagnostic(f, &source, false);
            let help = d.help.map(|h| h.to_string());
            (d.file, d.range, d.message.to_string(), help)
        })
        .collect();
    let n = r.findings.len();
    let d = build_diagnostics(r, false);
    assert_eq!(d.0.len(), n);
    let got: Vec<_> = (d.0.iter())
        .map(|d| {
            let help = d.help.as_ref().map(|h| h.to_string());
            (d.file.clone(), d.range.clone(), d.message.to_string(), help)
        })
        .collect();
    assert_eq!(got, expected);
    let b: Vec<_> = d.0.iter().filter(|d| d.code == "bureaucratese").collect();
    assert_eq!(b.len(), 4);
    let help = |i: usize| b[i].help.clone().unwrap();
    assert!(Arc::ptr_eq(&help(0), &help(3)));
    assert!(Arc::ptr_eq(&b[0].message, &b[3].message));
}

#[test]
fn findings_are_sorted_by_file_and_rows_keep_the_given_order_across_chunks() {
    // More files than one parallel chunk, given in reverse path order.
    let text = "В целях защиты детей мы проверяем всё.\n";
    let files: Vec<cs::FileInput> = (0..600)
        .rev()
        .map(|i| cs::FileInput::loose(PathBuf::from(format!("p{i:03}.md")), text.into(), "ru"))
        .collect();
    let given: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let rules = Rules::new(&CheckConfig::default());
    let r = cs::check_files(files, &rules, &Calendar::russia(), TODAY, None);
    let rows: Vec<PathBuf> = r.pages.iter().map(|p| p.file.clone()).collect();
    assert_eq!(rows, given);
    let key = |f: &yasno::check::Finding| (f.file.to_path_buf(), f.span.start, f.rule);
    let keys: Vec<_> = r.findings.iter().map(key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let total: usize = r.pages.iter().map(|p| p.counts.total).sum();
    assert_eq!(r.findings.len(), total);
    assert!(r.findings.len() >= 600);
}

/// The build keeps findings packed ([`BuildWarnings`]), taken from the check batch by batch:
/// they must be the diagnostics [`build_diagnostics`] makes of the same findings, in the
/// same order, also when a finding of an earlier file and position comes after the pages
/// (the site-wide rules run last), and `strict` must make errors of error findings.
#[test]
fn packed_build_warnings_are_the_diagnostics_of_the_findings_in_order() {
    let text =
        "В целях защиты детей МЫ проверяем всё.\n\nВ целях защиты детей мы проверяем всё и т.д.\n";
    // More files than one batch of the check, so the findings are taken several times.
    let files = || -> Vec<cs::FileInput> {
        (0..300)
            .map(|i| cs::FileInput::loose(PathBuf::from(format!("p{i:03}.md")), text.into(), "ru"))
            .collect()
    };
    let rules = Rules::new(&CheckConfig::default());
    for strict in [false, true] {
        let mut packed = BuildWarnings::new(strict);
        // As the build checks: the findings as rows, packed without a `Finding` each.
        let rest = cs::check_files_as_rows(
            files(),
            &rules,
            &Calendar::russia(),
            TODAY,
            None,
            &mut |c| packed.take_findings(c),
        );
        assert!(rest.findings.is_empty());
        let mut all = cs::check_files(files(), &rules, &Calendar::russia(), TODAY, None);
        let mut late = all.findings[all.findings.len() / 2].clone();
        late.file = all.findings[0].file.clone();
        (late.span, late.line, late.column) = (0..1, 1, 1);
        late.severity = Severity::Error;
        // Texts of its own: numbered 0, 1, 2 in its check, as the first page's are in the run's.
        late.message = "поздняя находка".into();
        late.suggestion = Some("как исправить позднюю".into());
        late.why = "почему поздняя".into();
        let mut site_wide = cs::SiteCheck::default();
        site_wide.findings.push(late.clone());
        site_wide.sources = all.sources.clone();
        packed.take_findings(&mut site_wide);
        packed.finish();
        // As `add_findings` orders site-wide findings among the others.
        all.findings.push(late);
        all.findings.sort_by(|a, b| {
            (&a.file, a.line, a.column, a.rule).cmp(&(&b.file, b.line, b.column, b.rule))
        });
        let expected = build_diagnostics(all, strict);
        assert_eq!(packed.len(), expected.0.len());
        assert!(expected.0.len() > 600);
        assert_eq!(packed.has_errors(), strict);
        let got = packed.into_diagnostics();
        let key = |d: &yasno::diagnostics::Diagnostic| {
            let help = d.help.as_ref().map(|h| h.to_string());
            (
                d.severity,
                d.code,
                d.file.clone(),
                d.range.clone(),
                d.message.to_string(),
                help,
            )
        };
        let (got, expected): (Vec<_>, Vec<_>) = (
            got.0.iter().map(key).collect(),
            expected.0.iter().map(key).collect(),
        );
        // The late finding is among the first file's, not at the end.
        let at = got.iter().position(|k| k.3 == (0..1)).unwrap();
        assert!(at < 5 && got[at].2 == got[0].2, "{at}");
        assert_eq!(got, expected);
    }
}

/// Printed, the packed warnings read exactly like the diagnostics (summary and full list).
#[test]
fn packed_build_warnings_print_like_the_diagnostics() {
    let rules = Rules::new(&CheckConfig::default());
    let mut packed = BuildWarnings::new(false);
    cs::check_files_as_rows(
        inputs(),
        &rules,
        &Calendar::russia(),
        TODAY,
        None,
        &mut |c| packed.take_findings(c),
    );
    packed.finish();
    let expected = build_diagnostics(check(None), false);
    for detail in [Detail::Full, Detail::Auto] {
        let text = packed.to_plain_string(detail, "hint");
        assert!(text.contains("bureaucratese"), "{text}");
        assert_eq!(text, expected.to_plain_string(detail, "hint"));
    }
}

#[test]
fn the_findings_list_is_sized_from_the_pages_checked_so_far_not_doubled() {
    // 1,000 pages of three findings each: doubled as it grew, the list would end in a block
    // for 4,096 (and would have moved from a 2,048 one); sized from the first batch's
    // average, it moves once, early, to about what it needs.
    let text = "В целях защиты детей мы проверяем всё. В целях защиты детей мы проверяем всё. \
                В целях защиты детей мы проверяем всё.\n";
    let files: Vec<cs::FileInput> = (0..1000)
        .map(|i| cs::FileInput::loose(PathBuf::from(format!("p{i:04}.md")), text.into(), "ru"))
        .collect();
    let rules = Rules::new(&CheckConfig::default());
    let r = cs::check_files(files, &rules, &Calendar::russia(), TODAY, None);
    let (len, capacity) = (r.findings.len(), r.findings.capacity());
    assert!(len >= 3000, "{len}");
    assert!(capacity * 100 <= len * 115, "{capacity} for {len} findings");
}

#[cfg(not(target_env = "msvc"))]
#[test]
fn the_binary_runs_on_jemalloc_with_one_arena() {
    // jemalloc prints its statistics and options at exit when asked through the variable
    // its `_rjem_` prefix gives; the binary's own options must show there, not be ignored.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_yasno"))
        .arg("--version")
        .env("_RJEM_MALLOC_CONF", "stats_print:true")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stats = String::from_utf8_lossy(&out.stderr);
    assert!(
        stats.contains("Global variable malloc_conf: \"narenas:1\""),
        "{stats}"
    );
    assert!(stats.contains("opt.narenas: 1\n"), "{stats}");
}
