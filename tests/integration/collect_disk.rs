//! A full disk under the real `yasno collect` (issue 15): the database sits on a real 256 KB
//! tmpfs. Refused answers get 503 and one log line each, `/api/health` says `degraded` until
//! a write succeeds again. Mounting needs root (as in CI); elsewhere the test fails saying so.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::collect_hostile::Collector;

/// A small tmpfs, unmounted on drop.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs and needs root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(dir)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

fn health(server: &Collector) -> (u16, Value) {
    let res = server.get("/api/health", "");
    (
        res.status().as_u16(),
        serde_json::from_str(res.body()).unwrap(),
    )
}

#[test]
fn a_full_disk_refuses_with_503_and_health_says_degraded_until_space_returns() {
    let disk = Tmpfs::mount("256k");
    let filler = disk.0.path().join("filler");
    let server = Collector::start_with_db(
        &["--rate-limit", "0"],
        tempfile::tempdir().unwrap(),
        disk.0.path().join("answers.db"),
    );
    std::fs::write(&filler, vec![0u8; 64 * 1024]).unwrap();
    let comment = "Очень длинный отзыв о приёме. ".repeat(16);
    let post = |i: usize| {
        let body = json!({
            "client_id": format!("disk-full-{i:05}"), "service": "primer", "survey": "default",
            "version": 1, "source": "web", "lang": "ru",
            "answers": {"rating": 3, "comment": comment},
        });
        server.post(&[], "application/json", body.to_string())
    };
    let mut refused = 0;
    let mut stored = 0;
    for i in 0..2000 {
        let res = post(i);
        match res.status().as_u16() {
            201 => stored += 1,
            503 => {
                refused += 1;
                assert!(res.headers().get("retry-after").is_some());
                if refused == 3 {
                    break;
                }
            }
            other => panic!("answer {i}: {other} {}", res.body()),
        }
    }
    assert_eq!(refused, 3, "the disk never filled ({stored} stored)");
    let (status, body) = health(&server);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "degraded");
    assert!(body["reason"].as_str().unwrap().contains("full"), "{body}");

    // Space again: the next answer is stored and health is ok.
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(post(9999).status(), 201);
    let (status, body) = health(&server);
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("ok")),
        "{body}"
    );

    std::thread::sleep(Duration::from_millis(100));
    let log = server.stderr();
    let per_answer = log
        .lines()
        .filter(|l| l.contains("answer not stored"))
        .count();
    assert_eq!(per_answer, 3, "{log}");
    let errors = log.lines().filter(|l| l.contains("ERROR")).count();
    assert_eq!(errors, 3, "one error line per refused answer: {log}");
}
