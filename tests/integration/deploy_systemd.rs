//! deploy/systemd: the units pass `systemd-analyze verify` (warnings included) and score as
//! hardened in `systemd-analyze security`, and the collector's unit keeps its named hardening.

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
