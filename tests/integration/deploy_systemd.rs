//! deploy/systemd: the units pass `systemd-analyze verify` (warnings included) and score as
//! hardened in `systemd-analyze security`, the collector's unit keeps its named hardening, and
//! the units' commands, with the paths moved into a temporary folder, run: the collector starts
//! with its token credential, the backup writes its dated copy.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::repo;

/// A copy of a unit in `dir` whose binary is the one cargo built: verify needs it to exist.
fn unit_copy(dir: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("deploy/systemd").join(name)).unwrap();
    let path = dir.join(name);
    std::fs::write(
        &path,
        text.replace("/usr/local/bin/yasno", env!("CARGO_BIN_EXE_yasno")),
    )
    .unwrap();
    path
}

#[test]
fn the_systemd_units_pass_systemd_analyze_verify() {
    let dir = tempfile::tempdir().unwrap();
    let units: Vec<PathBuf> = [
        "yasno-collect.service",
        "yasno-backup.service",
        "yasno-backup.timer",
    ]
    .iter()
    .map(|name| unit_copy(dir.path(), name))
    .collect();
    for unit in &units {
        let out = Command::new("systemd-analyze")
            .arg("verify")
            .arg(unit)
            .output()
            .expect("systemd-analyze runs (apt-get install systemd)");
        let stderr = String::from_utf8_lossy(&out.stderr);
        // verify exits 0 on an unknown key or a bad value, only warning: both fail here.
        assert!(
            out.status.success() && stderr.trim().is_empty(),
            "systemd-analyze verify {}:\n{stderr}",
            unit.display()
        );
    }
    // The hardening, as systemd scores it: exposure 2.0 at most (10 is unhardened).
    for unit in &units[..2] {
        let out = Command::new("systemd-analyze")
            .args(["security", "--offline=yes", "--threshold=20"])
            .arg(unit)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{} is exposed more than 2.0:\n{}",
            unit.display(),
            report.lines().last().unwrap_or_default()
        );
    }
    let collect = std::fs::read_to_string(&units[0]).unwrap();
    for line in [
        "User=yasno",
        "ProtectSystem=strict",
        "StateDirectory=yasno",
        "NoNewPrivileges=yes",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "SystemCallFilter=@system-service",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "LoadCredential=admin-token:/etc/yasno/admin-token",
        "--token-file %d/admin-token",
        "--trusted-proxies 1",
        "--listen 127.0.0.1:8787",
    ] {
        assert!(collect.contains(line), "yasno-collect.service lacks {line}");
    }
}

/// The value of `key=` in a unit, with the paths of a real installation moved into `dir`, as
/// systemd would run it (`%d` is the credentials folder, `%%` a percent sign).
fn command_of(unit: &str, key: &str, dir: &Path, site: &Path) -> String {
    let text = std::fs::read_to_string(repo().join("deploy/systemd").join(unit)).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{unit} has no {key}="));
    let d = dir.display();
    // Specifiers first, in one pass, as systemd reads them.
    let mut line_out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            line_out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => line_out.push('%'),
            Some('d') => line_out.push_str(&format!("{d}/credentials")),
            other => panic!("{unit}: a specifier the test does not know: %{other:?}"),
        }
    }
    line_out
        .replace("/usr/local/bin/yasno", env!("CARGO_BIN_EXE_yasno"))
        .replace("/srv/yasno/site", &site.display().to_string())
        .replace("/var/lib/yasno", &format!("{d}/state"))
        .replace("/var/backups/yasno", &format!("{d}/backups"))
        .replace("127.0.0.1:8787", "127.0.0.1:0")
}

#[test]
fn the_units_commands_run_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    crate::collector_process::Site::new(&site);
    for sub in ["state", "backups", "credentials"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    std::fs::write(
        dir.path().join("credentials/admin-token"),
        "a-token-long-enough-for-the-test",
    )
    .unwrap();
    // The collector's ExecStart: its flags parse, the token is read, it listens.
    let start = command_of("yasno-collect.service", "ExecStart", dir.path(), &site);
    let mut words = start.split_whitespace();
    let mut collector = Command::new(words.next().unwrap())
        .args(words)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(collector.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let _ = collector.kill();
    let out = collector.wait_with_output().unwrap();
    assert!(
        line.starts_with("listening on http://127.0.0.1:"),
        "`{start}` does not start: {line}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The backup's ExecStart (through sh, as systemd runs it): a dated copy appears.
    let backup = command_of("yasno-backup.service", "ExecStart", dir.path(), &site);
    let sh = backup
        .strip_prefix("/bin/sh -c '")
        .unwrap()
        .trim_end_matches('\'');
    let out = Command::new("/bin/sh").args(["-c", sh]).output().unwrap();
    assert!(
        out.status.success(),
        "`{backup}`: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copies: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        copies.len() == 1 && copies[0].starts_with("answers-20") && copies[0].ends_with(".db"),
        "{copies:?}"
    );
}
