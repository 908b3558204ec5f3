//! Unit tests of the output: staging, linking, the spare and the swap.

use super::*;

fn file(p: &str, s: &str) -> OutputFile {
    OutputFile {
        path: p.into(),
        bytes: s.as_bytes().to_vec(),
    }
}

fn counts(written: usize, linked: usize, kept: usize) -> Committed {
    Committed {
        written,
        linked,
        kept,
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// Names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

#[test]
fn replaces_its_own_output_and_leaves_no_temp_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    write_site(&out, &[file("a/index.html", "1"), file("old.txt", "x")]).unwrap();
    write_site(&out, &[file("a/index.html", "2")]).unwrap();
    assert_eq!(read(&out.join("a/index.html")), "2");
    assert!(!out.join("old.txt").exists());
    // Without a manifest the previous output is unknown: it is deleted, not kept.
    assert_eq!(names(tmp.path()), ["public"]);
}

/// Builds `files` into `out` the way `yasno build` does: with the manifest at `manifest`.
fn build(out: &Path, manifest: &Path, files: &[OutputFile]) -> Committed {
    let staging = Staging::with_previous(out, Manifest::load(manifest, out)).unwrap();
    files.iter().for_each(|f| staging.write(f).unwrap());
    let (m, committed) = staging.commit().unwrap();
    m.save(manifest).unwrap();
    committed
}

#[cfg(unix)]
fn ino(p: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap())
}

#[cfg(unix)]
#[test]
fn unchanged_files_are_linked_and_changed_ones_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
    let first = build(
        &out,
        &manifest,
        &[file("a/index.html", "A"), file("b.txt", "B")],
    );
    assert_eq!(first, counts(2, 0, 0));
    let (a, b) = (ino(&out.join("a/index.html")), ino(&out.join("b.txt")));
    let second = build(
        &out,
        &manifest,
        &[file("a/index.html", "A"), file("b.txt", "B2")],
    );
    assert_eq!(second, counts(1, 1, 0));
    assert_eq!(
        ino(&out.join("a/index.html")),
        a,
        "the unchanged file is the same file"
    );
    assert_ne!(ino(&out.join("b.txt")), b, "the changed file is a new file");
    assert_eq!(read(&out.join("b.txt")), "B2");
    // The previous output is the spare now, sharing the unchanged file.
    let spare = spare_path(&out);
    assert_eq!(read(&spare.join("b.txt")), "B");
    assert_eq!(ino(&spare.join("a/index.html")), a);
}

#[cfg(unix)]
#[test]
fn the_spare_becomes_the_next_output_keeping_its_unchanged_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
    let spare = spare_path(&out);
    build(
        &out,
        &manifest,
        &[
            file("a/index.html", "A"),
            file("b.txt", "B"),
            file("gone/x/index.html", "X"),
        ],
    );
    build(
        &out,
        &manifest,
        &[file("a/index.html", "A"), file("b.txt", "B2")],
    );
    let spare_b = ino(&spare.join("b.txt"));
    // The third build is staged in the spare (the first output): `a` is kept there, `b`
    // linked from the second output, `gone/` removed, `c` written.
    let third = build(
        &out,
        &manifest,
        &[
            file("a/index.html", "A"),
            file("b.txt", "B2"),
            file("c.txt", "C"),
        ],
    );
    assert_eq!(third, counts(1, 1, 1));
    assert_eq!(names(&out), [MARKER, "a", "b.txt", "c.txt"]);
    assert_eq!(read(&out.join("b.txt")), "B2");
    assert_ne!(
        ino(&out.join("b.txt")),
        spare_b,
        "written anew, not through"
    );
    assert_eq!(
        read(&spare.join("b.txt")),
        "B2",
        "the second output is intact"
    );
    assert_eq!(
        names(tmp.path()),
        [".public.yasno-spare", "output.json", "public"]
    );
    // Nothing is written when nothing changed, two builds in a row.
    let files = [
        file("a/index.html", "A"),
        file("b.txt", "B2"),
        file("c.txt", "C"),
    ];
    assert_eq!(build(&out, &manifest, &files), counts(0, 1, 2));
    assert_eq!(build(&out, &manifest, &files), counts(0, 0, 3));
}

#[test]
fn a_saved_manifest_reads_back_both_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
    build(
        &out,
        &manifest,
        &[file("a", "A"), file("b", "B"), file("old", "O")],
    );
    let staging = Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap();
    for f in [file("a", "A"), file("b", "B2"), file("new", "N")] {
        staging.write(&f).unwrap();
    }
    let (m, _) = staging.commit().unwrap();
    m.save(&manifest).unwrap();
    let back = Manifest::load(&manifest, &out);
    assert_eq!(back.live.files, m.live.files);
    let (spare, saved) = (back.spare.unwrap(), m.spare.unwrap());
    assert_eq!(spare.files, saved.files);
    assert_eq!(spare.build, saved.build);
    let mut names: Vec<&String> = spare.files.keys().collect();
    names.sort();
    assert_eq!(names, ["a", "b", "old"]);
    // Cut short, or in the JSON of earlier versions: no records, every file is written.
    let bytes = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, &bytes[..bytes.len() - 5]).unwrap();
    assert!(Manifest::load(&manifest, &out).is_empty());
    std::fs::write(
        &manifest,
        br#"{"output":"x","live":{"build":"","files":{}}}"#,
    )
    .unwrap();
    assert!(Manifest::load(&manifest, &out).is_empty());
}

#[test]
fn files_put_into_the_output_or_the_spare_by_hand_stop_the_build_and_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
    let files = [file("a/index.html", "A"), file("b.txt", "B")];
    build(&out, &manifest, &files);
    build(&out, &manifest, &files);
    // Written a moment later than the marker, so its folder is seen as changed.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(out.join("hand.txt"), "by hand").unwrap();
    std::fs::write(out.join("a/hand.txt"), "by hand").unwrap();
    std::fs::create_dir(out.join("a/dir")).unwrap();
    std::fs::write(out.join("a/dir/x"), "by hand").unwrap();
    let previous = Manifest::load(&manifest, &out);
    let err = Staging::with_previous(&out, previous).err().unwrap();
    let OutputError::UserFiles { dir, files: found } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        (dir, found.as_slice()),
        (
            &out,
            ["a/dir/", "a/hand.txt", "hand.txt"]
                .map(String::from)
                .as_slice()
        )
    );
    assert!(err.to_string().contains("static/"), "{err}");
    assert_eq!(read(&out.join("a/dir/x")), "by hand");
    // Moved away by the editor: the builds go on, staged in the spare.
    std::fs::remove_dir_all(out.join("a/dir")).unwrap();
    std::fs::remove_file(out.join("a/hand.txt")).unwrap();
    std::fs::remove_file(out.join("hand.txt")).unwrap();
    assert_eq!(build(&out, &manifest, &files), counts(0, 0, 2));
    // The spare follows the same rule.
    let spare = spare_path(&out);
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(spare.join("a/hand.txt"), "by hand").unwrap();
    let previous = Manifest::load(&manifest, &out);
    let err = Staging::with_previous(&out, previous).err().unwrap();
    assert!(
        matches!(&err, OutputError::UserFiles { dir, files } if *dir == spare && files == &["a/hand.txt"]),
        "{err:?}"
    );
    assert_eq!(read(&spare.join("a/hand.txt")), "by hand");
}

#[test]
fn a_file_given_as_the_output_is_refused_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes.txt");
    std::fs::write(&notes, "my notes").unwrap();
    let err = write_site(&notes, &[file("index.html", "x")]).unwrap_err();
    assert!(matches!(err, OutputError::NotAFolder(_)), "{err:?}");
    assert_eq!(read(&notes), "my notes");
    assert_eq!(names(tmp.path()), ["notes.txt"]);
}

#[test]
fn a_spare_file_changed_by_hand_is_written_again() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
    let files = [file("a.txt", "right"), file("b.txt", "B")];
    build(&out, &manifest, &files);
    build(&out, &manifest, &files);
    // Replaced, not written through: the spare shares its unchanged files with the output.
    let a = spare_path(&out).join("a.txt");
    std::fs::remove_file(&a).unwrap();
    std::fs::write(&a, "edited by hand").unwrap();
    assert_eq!(build(&out, &manifest, &files), counts(0, 1, 1));
    assert_eq!(read(&out.join("a.txt")), "right");
}

#[test]
fn a_file_written_in_pieces_holds_them_in_order_and_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
    let staging = Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap();
    let mut f = staging.create_pieces("faq/index.html").unwrap();
    for piece in ["<h1>", "Вопросы", "</h1>"] {
        f.write(piece.as_bytes()).unwrap();
    }
    staging.finish_pieces(f, 0).unwrap();
    // A path is written once: a second file there is an error, never a write through.
    assert!(staging.create_pieces("faq/index.html").is_err());
    let (m, committed) = staging.commit().unwrap();
    m.save(&manifest).unwrap();
    assert_eq!(committed, counts(1, 0, 0));
    let page = read(&out.join("faq/index.html"));
    assert_eq!(page, "<h1>Вопросы</h1>");
    // Its record is right: the same bytes, built whole next time, are linked.
    let next = build(&out, &manifest, &[file("faq/index.html", &page)]);
    assert_eq!(next, counts(0, 1, 0));
}

#[test]
fn a_file_made_from_the_same_inputs_is_reused_without_being_made() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
    // One build: `qr.svg` made from inputs named 7 (made, unless reused).
    let build = |source: u128, bytes: &str| {
        let staging = Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap();
        let reused = staging.reuse_derived("a/qr.svg", source).unwrap();
        if !reused {
            staging
                .write_derived(&file("a/qr.svg", bytes), source)
                .unwrap();
        }
        let (m, committed) = staging.commit().unwrap();
        m.save(&manifest).unwrap();
        (reused, committed)
    };
    assert_eq!(build(7, "seven"), (false, counts(1, 0, 0)));
    assert_eq!(build(7, "-"), (true, counts(0, 1, 0)), "linked");
    assert_eq!(build(7, "-"), (true, counts(0, 0, 1)), "kept in the spare");
    assert_eq!(read(&out.join("a/qr.svg")), "seven");
    assert_eq!(build(8, "eight"), (false, counts(1, 0, 0)), "other inputs");
    assert_eq!(read(&out.join("a/qr.svg")), "eight");
    // Changed by hand (in the output and, through the link, the spare): made again.
    std::fs::write(out.join("a/qr.svg"), "by hand").unwrap();
    assert_eq!(build(8, "eight"), (false, counts(1, 0, 0)));
    assert_eq!(read(&out.join("a/qr.svg")), "eight");
    // A file recorded without its inputs is never taken for one made from them.
    let staging = Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap();
    assert!(!staging.reuse_derived("a/qr.svg", 0).unwrap());
}

#[test]
fn a_path_made_twice_in_one_build_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
    for _ in 0..3 {
        let staging = Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap();
        staging.write(&file("a.txt", "A")).unwrap();
        assert!(staging.write(&file("a.txt", "A")).is_err());
        let (m, _) = staging.commit().unwrap();
        m.save(&manifest).unwrap();
    }
}

#[test]
fn a_file_changed_by_hand_is_written_again() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
    build(&out, &manifest, &[file("a.txt", "right")]);
    std::fs::write(out.join("a.txt"), "edited by hand").unwrap();
    let again = build(&out, &manifest, &[file("a.txt", "right")]);
    assert_eq!(again, counts(1, 0, 0));
    assert_eq!(read(&out.join("a.txt")), "right");
}

#[test]
fn a_file_and_a_folder_may_trade_places_between_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
    let one = [file("x/index.html", "dir"), file("y", "file")];
    let two = [file("x", "file"), file("y/index.html", "dir")];
    for files in [&one, &two, &one, &two] {
        build(&out, &manifest, files);
        for f in files {
            assert_eq!(read(&out.join(&f.path)), String::from_utf8_lossy(&f.bytes));
        }
    }
}

#[test]
fn a_failed_build_leaves_the_previous_output_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
    build(&out, &manifest, &[file("a.txt", "A"), file("b.txt", "B0")]);
    build(&out, &manifest, &[file("a.txt", "A"), file("b.txt", "B")]);
    {
        // Staged in the spare; dropped without commit, as when a later page fails.
        let staging = Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap();
        staging.write(&file("a.txt", "A")).unwrap();
        staging.write(&file("b.txt", "new")).unwrap();
        staging.write(&file("c.txt", "C")).unwrap();
    }
    assert_eq!(read(&out.join("a.txt")), "A");
    assert_eq!(read(&out.join("b.txt")), "B");
    assert_eq!(names(&out), [MARKER, "a.txt", "b.txt"]);
    // The staging folder (the spare it took) is gone.
    assert_eq!(names(tmp.path()), ["output.json", "public"]);
    // The manifest still describes the output: the next build links both unchanged files.
    let next = build(&out, &manifest, &[file("a.txt", "A"), file("b.txt", "B")]);
    assert_eq!(next, counts(0, 2, 0));
}

#[test]
fn a_build_that_stops_before_writing_keeps_the_spare() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
    let files = [file("a.txt", "A"), file("b.txt", "B")];
    build(&out, &manifest, &files);
    build(&out, &manifest, &files);
    // Taken as the staging folder, then dropped untouched (a content mistake).
    drop(Staging::with_previous(&out, Manifest::load(&manifest, &out)).unwrap());
    assert_eq!(
        names(tmp.path()),
        [".public.yasno-spare", "output.json", "public"]
    );
    assert_eq!(build(&out, &manifest, &files), counts(0, 0, 2));
}

#[test]
fn a_manifest_of_another_folder_or_build_is_ignored() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = tmp.path().join("output.json");
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    build(&one, &manifest, &[file("a.txt", "A")]);
    assert!(Manifest::load(&manifest, &two).is_empty());
    // The same folder rebuilt without this manifest: its marker names another build.
    let m = Manifest::load(&manifest, &one);
    assert_eq!(m.len(), 1);
    write_site(&one, &[file("a.txt", "A")]).unwrap();
    assert!(Manifest::load(&manifest, &one).is_empty());
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_make() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("precious.txt"), "keep").unwrap();
    let err = write_site(tmp.path(), &[file("index.html", "x")]).unwrap_err();
    assert!(matches!(err, OutputError::NotOurs(_)));
    assert_eq!(read(&tmp.path().join("precious.txt")), "keep");
}

#[cfg(unix)]
#[test]
fn an_output_folder_that_is_a_link_is_replaced_and_its_target_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let (real, out, manifest) = (
        tmp.path().join("real"),
        tmp.path().join("public"),
        tmp.path().join("output.json"),
    );
    write_site(&real, &[file("a.txt", "real")]).unwrap();
    std::os::unix::fs::symlink(&real, &out).unwrap();
    for s in ["1", "2", "3", "4"] {
        build(&out, &manifest, &[file("a.txt", s)]);
        assert_eq!(read(&out.join("a.txt")), s);
    }
    assert!(!std::fs::symlink_metadata(&out).unwrap().is_symlink());
    assert_eq!(
        read(&real.join("a.txt")),
        "real",
        "the link's target is untouched"
    );
    // A link put where the spare goes is never followed either.
    let spare = spare_path(&out);
    std::fs::remove_dir_all(&spare).unwrap();
    std::os::unix::fs::symlink(&real, &spare).unwrap();
    for s in ["5", "6", "7"] {
        build(&out, &manifest, &[file("a.txt", s)]);
        assert_eq!(read(&out.join("a.txt")), s);
    }
    assert_eq!(read(&real.join("a.txt")), "real");
    assert!(std::fs::symlink_metadata(&spare).unwrap().is_symlink());
}

#[test]
fn a_spare_folder_it_did_not_make_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, manifest) = (tmp.path().join("public"), tmp.path().join("output.json"));
    let spare = spare_path(&out);
    std::fs::create_dir(&spare).unwrap();
    std::fs::write(spare.join("precious.txt"), "keep").unwrap();
    for s in ["1", "2", "3"] {
        build(&out, &manifest, &[file("a.txt", s)]);
        assert_eq!(read(&out.join("a.txt")), s);
    }
    assert_eq!(names(&spare), ["precious.txt"]);
    assert_eq!(
        names(tmp.path()),
        [".public.yasno-spare", "output.json", "public"]
    );
}

#[test]
fn the_staging_folder_of_a_running_build_is_not_taken_for_a_leftover() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let first = Staging::new(&out).unwrap();
    first.write(&file("a.txt", "first")).unwrap();
    let staged: Vec<String> = names(tmp.path());
    assert_eq!(staged.len(), 1, "{staged:?}");
    // A second build starts while the first runs: it leaves the first one's folder alone.
    let second = Staging::new(&out).unwrap();
    assert!(tmp.path().join(&staged[0]).join("a.txt").is_file());
    drop(second);
    first.commit().unwrap();
    assert_eq!(read(&out.join("a.txt")), "first");
    // Once no build holds it, a marked folder left beside the output is removed.
    let leftover = tmp.path().join(".public.new-left");
    std::fs::create_dir(&leftover).unwrap();
    std::fs::write(leftover.join(MARKER), "built by yasno\nstaging\n").unwrap();
    write_site(&out, &[file("a.txt", "next")]).unwrap();
    assert_eq!(names(tmp.path()), ["public"]);
}
