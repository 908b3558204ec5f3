//! `yasno build` and what it may do to the output path: run as the real binary, looking at the
//! exit code, the message and what is on disk afterwards (issue 15, the output folder part).

use crate::common::{copy_dir, repo};
use std::path::Path;
use std::process::{Command, Output};

fn minimal_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/minimal"), dir.path());
    dir
}

fn build_cmd(root: &Path, out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yasno"));
    c.args(["build", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out);
    c
}

fn build(root: &Path, out: &Path) -> Output {
    build_cmd(root, out).output().expect("run yasno")
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Asserts a refused build: non-zero exit, one `error:` line holding each of `parts` in order
/// (the Russian text before the English one).
fn assert_refused(o: &Output, parts: &[&str]) {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line: {stderr}"));
    let mut from = 0;
    for p in parts {
        let at = line[from..]
            .find(p)
            .unwrap_or_else(|| panic!("{p:?} not after byte {from} in {line}"));
        from += at + p.len();
    }
}

#[test]
fn a_regular_file_given_as_the_output_is_refused_and_left_byte_for_byte() {
    let site = minimal_site();
    let notes = site.path().join("notes.txt");
    let bytes = b"my notes\n\x00\xff not a site".to_vec();
    std::fs::write(&notes, &bytes).unwrap();
    let before = names(site.path());
    let o = build(site.path(), &notes);
    assert_refused(
        &o,
        &[
            "notes.txt",
            "не папка",
            "удалите",
            "notes.txt",
            "not a folder",
            "choose another folder",
            "delete the file yourself",
        ],
    );
    assert_eq!(std::fs::read(&notes).unwrap(), bytes);
    assert_eq!(
        names(site.path()),
        before,
        "nothing moved aside or left beside it"
    );
}

#[cfg(unix)]
#[test]
fn an_output_path_that_cannot_be_read_is_refused_and_left_alone() {
    // A link to itself cannot be read by anyone (root included, unlike a folder without
    // permissions): the old build replaced it with the site.
    let site = minimal_site();
    let out = site.path().join("public");
    std::os::unix::fs::symlink(&out, &out).unwrap();
    let o = build(site.path(), &out);
    assert_refused(
        &o,
        &[
            "не удалось прочитать",
            "public",
            "cannot read the folder",
            "public",
        ],
    );
    assert!(std::fs::symlink_metadata(&out).unwrap().is_symlink());
    assert_eq!(std::fs::read_link(&out).unwrap(), out);
}

#[test]
fn a_file_put_into_the_output_stops_the_build_and_is_kept_until_moved_to_static() {
    let site = minimal_site();
    let out = site.path().join("public");
    let o = build(site.path(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Written a moment later than the build's marker (its folder is then seen as changed).
    std::thread::sleep(std::time::Duration::from_millis(20));
    let verify = out.join("google1234.html");
    std::fs::write(&verify, "google-site-verification: google1234.html").unwrap();
    // Refused on every build, not only the first: the file is never dropped.
    for _ in 0..2 {
        let o = build(site.path(), &out);
        assert_refused(
            &o,
            &["google1234.html", "static/", "google1234.html", "static/"],
        );
        assert_eq!(
            std::fs::read_to_string(&verify).unwrap(),
            "google-site-verification: google1234.html"
        );
        assert!(out.join("index.html").is_file(), "the site is still there");
    }
    // Where it belongs, it is part of every build.
    std::fs::create_dir(site.path().join("static")).unwrap();
    std::fs::rename(&verify, site.path().join("static/google1234.html")).unwrap();
    for _ in 0..2 {
        let o = build(site.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            std::fs::read_to_string(&verify).unwrap(),
            "google-site-verification: google1234.html"
        );
    }
}

/// The staging folders (`.public.new-*`) in `dir`.
fn staging_folders(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.starts_with(".public.new-"))
        .collect()
}

#[test]
fn a_leftover_of_an_interrupted_build_is_removed_and_a_foreign_folder_kept() {
    let site = minimal_site();
    let out = site.path().join("public");
    // As a killed build leaves it: marked, half full.
    let leftover = site.path().join(".public.new-Ab12Cd");
    std::fs::create_dir_all(leftover.join("services/inherits")).unwrap();
    std::fs::write(leftover.join(".yasno-output"), "built by yasno\nstaging\n").unwrap();
    std::fs::write(leftover.join("services/inherits/index.html"), "<p>half").unwrap();
    // Killed between making its folder and marking it: empty.
    let unmarked = site.path().join(".public.new-Ef34Gh");
    std::fs::create_dir(&unmarked).unwrap();
    // Someone else's folder with a name like it, without the marker.
    let foreign = site.path().join(".public.new-x");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("mine.txt"), "keep").unwrap();
    let o = build(site.path(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!leftover.exists());
    assert!(!unmarked.exists());
    assert_eq!(staging_folders(site.path()), [".public.new-x"]);
    assert_eq!(
        std::fs::read_to_string(foreign.join("mine.txt")).unwrap(),
        "keep"
    );
}

#[cfg(unix)]
#[test]
fn a_build_killed_mid_way_leaves_nothing_after_the_next_build() {
    let site = minimal_site();
    let services = site.path().join("content/services");
    let page = std::fs::read_to_string(services.join("inherits.md")).unwrap();
    for i in 0..600 {
        std::fs::write(services.join(format!("gen-{i}.md")), &page).unwrap();
    }
    let out = site.path().join("public");
    let mut child = build_cmd(site.path(), &out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed as soon as its staging folder is there (it is made while the content loads).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while staging_folders(site.path()).is_empty() {
        assert!(std::time::Instant::now() < deadline, "no staging folder");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!out.exists(), "killed before it finished");
    let left = staging_folders(site.path());
    assert_eq!(left.len(), 1, "{left:?}");
    let o = build(site.path(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("services/gen-599/index.html").is_file());
    assert_eq!(staging_folders(site.path()), Vec::<String>::new());
}
