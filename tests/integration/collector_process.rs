//! A real `yasno collect` process on a new site, and valid answers for it: what the backup and
//! deployment tests put load on.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// A running `yasno collect`, killed on drop so a failing test leaves no process behind.
pub(crate) struct Collector {
    /// The process (tests kill it with SIGKILL).
    pub(crate) child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) url: String,
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `yasno collect --root ROOT --db DB` on a free loopback port with `extra` arguments,
/// and waits for its start-up line.
pub(crate) fn start(root: &Path, db: &Path, extra: &[&str]) -> Collector {
    let mut cmd = command(root, db.as_os_str());
    cmd.args(extra);
    spawn(cmd)
}

/// `yasno collect --listen 127.0.0.1:0 --root ROOT --db DB` (a file or a postgres:// address),
/// for a caller to add arguments or environment to before [`spawn`].
pub(crate) fn command(root: &Path, db: &OsStr) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yasno"));
    cmd.args(["collect", "--listen", "127.0.0.1:0"])
        .arg("--root")
        .arg(root)
        .arg("--db")
        .arg(db)
        .env("RUST_LOG", "warn");
    cmd
}

/// Spawns a collector command and waits for its start-up line, which names its address.
pub(crate) fn spawn(mut cmd: Command) -> Collector {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("yasno collect starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("reads the start-up line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected start-up line {line:?}"))
        .to_owned();
    Collector { child, url }
}

/// A new site in `root` (from `yasno new`) and a maker of valid answers for its survey.
pub(crate) struct Site {
    slug: String,
    survey: String,
    version: u32,
    rating: String,
}

impl Site {
    /// Scaffolds the site and finds a service with a survey and its rating question.
    pub(crate) fn new(root: &Path) -> Self {
        yasno::scaffold::new_site(root).expect("a new site");
        let site = yasno::site::Site::load(root, &Default::default()).expect("the site loads");
        let service = site
            .services
            .iter()
            .find(|s| s.survey.is_some())
            .expect("the new site has a service with a survey");
        let survey = service.survey.clone().unwrap();
        let rating = survey
            .questions
            .iter()
            .find(|q| q.kind == yasno_survey_core::QuestionKind::Rating)
            .expect("a rating question")
            .id
            .clone();
        Site {
            slug: service.slug.clone(),
            survey: survey.id.clone(),
            version: survey.version,
            rating,
        }
    }

    /// A JSON answer with this client id.
    pub(crate) fn answer(&self, client_id: &str, score: u32) -> Value {
        json!({
            "client_id": client_id, "service": self.slug, "survey": self.survey,
            "version": self.version, "source": "web", "lang": "ru",
            "answers": {self.rating.as_str(): 1 + score % 5},
        })
    }
}
