//! `yasno serve` end to end: a real server process on 127.0.0.1, a temporary copy of the
//! example site, real file edits, real HTTP requests. Every wait is bounded.

use crate::common::copy_dir;
use std::collections::{BTreeSet, VecDeque};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scraper::{Html, Selector};

/// Upper bound of every wait: polls return as soon as the condition holds, and a shared CI
/// host under heavy CPU steal has taken over 10 s for the first debug build of the example.
const WAIT: Duration = Duration::from_secs(60);

/// A running `yasno serve` on a copy of the example site.
struct Server {
    child: Child,
    base: String,
    site: tempfile::TempDir,
    log: Arc<Mutex<String>>,
    agent: ureq::Agent,
}

impl Server {
    fn start() -> Server {
        Self::start_with(|_| {})
    }

    /// Starts on a copy of the example site changed by `prepare` first.
    fn start_with(prepare: impl FnOnce(&Path)) -> Server {
        let site = tempfile::tempdir().unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_dir(&repo.join("content"), &site.path().join("content"));
        copy_dir(&repo.join("themes"), &site.path().join("themes"));
        prepare(site.path());
        let mut child = Command::new(env!("CARGO_BIN_EXE_yasno"))
            .args(["serve", "--port", "0", "--root"])
            .arg(site.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        for (stream, tx) in [
            (Box::new(stdout) as Box<dyn Read + Send>, Some(tx)),
            (Box::new(stderr), None),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    if let Some(tx) = &tx
                        && let Some(at) = line.find("serving at http://")
                    {
                        let url = line[at + "serving at ".len()..]
                            .split_whitespace()
                            .next()
                            .unwrap()
                            .trim_end_matches('/')
                            .to_owned();
                        let _ = tx.send(url);
                    }
                    let mut l = log.lock().unwrap();
                    l.push_str(&line);
                    l.push('\n');
                }
            });
        }
        let base = rx
            .recv_timeout(WAIT)
            .expect("the server prints its address within the wait");
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Server {
            child,
            base,
            site,
            log,
            agent,
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.site.path().join(rel)
    }

    /// Status and body of a GET.
    fn get(&self, path: &str) -> (u16, String) {
        let mut resp = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.body_mut().read_to_string().unwrap())
    }

    /// Polls `path` until `pred` holds for its status and body; panics after the wait.
    fn wait_for(&self, path: &str, what: &str, pred: impl Fn(u16, &str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let (status, body) = self.get(path);
            if pred(status, &body) {
                return body;
            }
            assert!(
                start.elapsed() < WAIT,
                "{path}: {what} did not happen within {WAIT:?}; last status {status}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn h1(html: &str) -> String {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("main h1").unwrap();
    doc.select(&sel)
        .next()
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .unwrap_or_default()
}

fn hrefs(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("a[href]").unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr("href").map(str::to_owned))
        .collect()
}

/// Replaces the `title = "..."` line of a service file.
fn set_title(path: &Path, title: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let new: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("title = ") {
                format!("title = \"{title}\"")
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::fs::write(path, new.join("\n") + "\n").unwrap();
}

const GAZETA: &str = "content/services/gazeta.md";
const GAZETA_URL: &str = "/services/gazeta/";

#[test]
fn edited_service_is_served_within_a_bounded_wait() {
    let s = Server::start();
    let (status, before) = s.get(GAZETA_URL);
    assert_eq!(status, 200);
    assert_ne!(h1(&before), "Газета: новое название");
    // Served pages carry the live-reload script; built files never do.
    assert!(before.contains(r#"<script src="/__yasno/live.js" data-epoch="#));

    set_title(&s.path(GAZETA), "Газета: новое название");
    let after = s.wait_for(GAZETA_URL, "the new title", |st, b| {
        st == 200 && h1(b) == "Газета: новое название"
    });
    assert!(!after.contains("yasno-error"), "no error overlay");
    // Listings are rebuilt too: the home page links to the service under its new title.
    s.wait_for("/", "the new title on the home page", |_, b| {
        b.contains("Газета: новое название")
    });
    s.wait_for(
        "/sitemap.xml",
        "the sitemap still lists the page",
        |_, b| b.contains(GAZETA_URL),
    );
}

#[test]
fn broken_edit_keeps_last_good_page_and_reports_error() {
    let s = Server::start();
    let good = h1(&s.get(GAZETA_URL).1);
    let path = s.path(GAZETA);
    let text = std::fs::read_to_string(&path).unwrap();
    // A typo'd key on line 2: the service cannot load.
    let broken = text.replacen("\ntitle = ", "\ntitel = ", 1);
    std::fs::write(&path, &broken).unwrap();

    let page = s.wait_for(GAZETA_URL, "the error overlay", |_, b| {
        b.contains(r#"id="yasno-error""#)
    });
    // The last good page stays served under the overlay.
    assert_eq!(h1(&page), good);
    let doc = Html::parse_document(&page);
    let overlay: String = doc
        .select(&Selector::parse("#yasno-error pre").unwrap())
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(overlay.contains("gazeta.md:2:"), "{overlay}");
    assert!(overlay.contains("titel"), "{overlay}");
    // Other pages show the overlay too, over their last good version.
    let home = s.get("/").1;
    assert!(home.contains(r#"id="yasno-error""#));
    // The terminal got the same message.
    let start = Instant::now();
    while !s.log().contains("titel") {
        assert!(
            start.elapsed() < WAIT,
            "error not in the terminal: {}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // Fixing the file removes the overlay and serves the fix.
    std::fs::write(&path, &text).unwrap();
    set_title(&path, "Газета после исправления");
    s.wait_for(GAZETA_URL, "the fixed page without overlay", |_, b| {
        h1(b) == "Газета после исправления" && !b.contains(r#"id="yasno-error""#)
    });
}

#[test]
fn deleting_a_service_removes_its_page_and_every_link_to_it() {
    let s = Server::start();
    assert!(s.get("/").1.contains(GAZETA_URL), "linked before");
    std::fs::remove_file(s.path(GAZETA)).unwrap();
    s.wait_for(GAZETA_URL, "404", |st, _| st == 404);

    // Crawl every page reachable from the home page and the sitemap.
    let sitemap = s.wait_for("/sitemap.xml", "the sitemap without the page", |_, b| {
        !b.contains(GAZETA_URL)
    });
    let mut queue: VecDeque<String> = VecDeque::from(["/".to_owned(), "/404.html".to_owned()]);
    for loc in sitemap.split("<loc>").skip(1) {
        let url = loc.split("</loc>").next().unwrap();
        let path = url.splitn(4, '/').nth(3).unwrap_or("");
        queue.push_back(format!("/{path}"));
    }
    let mut seen = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) || seen.len() > 300 {
            continue;
        }
        let (status, body) = s.get(&path);
        assert_eq!(status, 200, "{path}");
        assert!(
            !body.contains(GAZETA_URL),
            "{path} still links to the deleted service"
        );
        for href in hrefs(&body) {
            let href = href.split('#').next().unwrap().to_owned();
            if href.starts_with('/') && !href.starts_with("//") && href.ends_with('/') {
                queue.push_back(href);
            }
        }
    }
    assert!(seen.len() >= 10, "crawled {} pages", seen.len());
}

/// Opens the live event stream (`query` is appended to its path); returns a function that
/// waits for the next event called `name` and gives its data.
fn event_stream(s: &Server, query: &str) -> impl FnMut(&str) -> String + use<> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(WAIT))
        .build()
        .into();
    let resp = agent
        .get(format!("{}/__yasno/events{query}", s.base))
        .call()
        .unwrap();
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let reader = BufReader::new(resp.into_body().into_reader());
        for line in reader.lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    move |name: &str| -> String {
        // Lines until `event: <name>`, then its data line.
        let start = Instant::now();
        let mut found = false;
        loop {
            let left = WAIT.saturating_sub(start.elapsed());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no `{name}` event within {WAIT:?}"));
            if line == format!("event: {name}") {
                found = true;
            } else if found && let Some(data) = line.strip_prefix("data: ") {
                return data.to_owned();
            }
        }
    }
}

#[test]
fn connected_client_receives_the_reload_event() {
    let s = Server::start();
    let mut next_event = event_stream(&s, "");
    next_event("connected");
    set_title(&s.path(GAZETA), "Газета для события");
    let data = next_event("reload");
    let paths: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert!(
        paths.as_array().unwrap().iter().any(|p| p == GAZETA_URL),
        "{data}"
    );
    // The page it names is already the new one when the event arrives.
    assert_eq!(h1(&s.get(GAZETA_URL).1), "Газета для события");
}

/// The event count a served page carries in its live-reload script.
fn page_epoch(html: &str) -> u64 {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("script[data-epoch]").unwrap();
    let script = doc.select(&sel).next().expect("the live-reload script");
    script.value().attr("data-epoch").unwrap().parse().unwrap()
}

#[test]
fn a_tab_that_connects_after_an_event_is_told_to_reload() {
    let s = Server::start();
    // A tab with the current page is not told to reload: the next reload it gets is the next
    // edit's. Checked first, while the server is idle: after an edit the listings are rebuilt
    // in the background, and their event would make any page fetched meanwhile stale.
    let (_, page) = s.get(GAZETA_URL);
    let mut next_event = event_stream(&s, &format!("?epoch={}", page_epoch(&page)));
    next_event("connected");
    set_title(&s.path(GAZETA), "Газета после первой правки");
    let data = next_event("reload");
    assert_ne!(data, "\"*\"", "a reload for nothing");
    assert!(data.contains(GAZETA_URL), "{data}");

    // A tab got the page, and is still loading it when the editor saves: the save's event
    // is sent before the tab listens.
    let epoch = page_epoch(&s.get(GAZETA_URL).1);
    set_title(&s.path(GAZETA), "Газета, пока вкладка грузилась");
    s.wait_for(GAZETA_URL, "the edited page", |_, b| {
        b.contains("Газета, пока вкладка грузилась")
    });
    // Connecting with its page's count, the tab is told to reload at once.
    let mut next_event = event_stream(&s, &format!("?epoch={epoch}"));
    next_event("connected");
    assert_eq!(next_event("reload"), "\"*\"");
}

#[test]
fn template_edit_rerenders_the_pages_using_it_and_a_broken_one_is_reported() {
    let s = Server::start();
    let tpl = s.path("themes/default/templates/service.html");
    let text = std::fs::read_to_string(&tpl).unwrap();
    let marked = text.replacen(
        "{% block content %}",
        "{% block content %}<p id=\"tpl-mark\">MARK</p>",
        1,
    );
    assert_ne!(marked, text, "service.html has a content block");
    std::fs::write(&tpl, &marked).unwrap();
    s.wait_for(GAZETA_URL, "the template change", |_, b| {
        b.contains("tpl-mark")
    });
    assert!(
        !s.get("/").1.contains("tpl-mark"),
        "the home page does not use service.html"
    );

    // An unclosed tag: the overlay names the template and the old pages stay.
    std::fs::write(
        &tpl,
        marked.replacen("{% block content %}", "{% block content %}{% if %}", 1),
    )
    .unwrap();
    let page = s.wait_for(GAZETA_URL, "the template error", |_, b| {
        b.contains(r#"id="yasno-error""#)
    });
    assert!(page.contains("tpl-mark"), "last good page still served");
    assert!(
        page.contains("service.html"),
        "the overlay names the template"
    );
}

#[test]
fn listings_follow_rapid_edits_and_a_category_move() {
    let s = Server::start();
    let path = s.path(GAZETA);
    set_title(&path, "Газета: промежуточное название");
    std::thread::sleep(Duration::from_millis(30));
    let text = std::fs::read_to_string(&path).unwrap();
    let moved = text
        .replacen("category = \"dosug\"", "category = \"semya\"", 1)
        .replacen(
            "title = \"Газета: промежуточное название\"",
            "title = \"Газета: итоговое название\"",
            1,
        );
    assert_ne!(moved, text);
    std::fs::write(&path, moved).unwrap();

    let lists_gazeta = |body: &str| hrefs(body).iter().any(|h| h == GAZETA_URL);
    s.wait_for("/", "the final title on the home page", |_, b| {
        b.contains("Газета: итоговое название") && !b.contains("промежуточное")
    });
    s.wait_for(
        "/categories/semya/",
        "the service in its new category",
        |_, b| lists_gazeta(b),
    );
    s.wait_for(
        "/categories/dosug/",
        "the service gone from its old category",
        |_, b| !lists_gazeta(b),
    );
    assert_eq!(h1(&s.get(GAZETA_URL).1), "Газета: итоговое название");
}

#[test]
fn a_site_broken_at_start_shows_the_error_and_comes_up_when_fixed() {
    let settings = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/site.toml");
    let good = std::fs::read_to_string(&settings).unwrap();
    let s = Server::start_with(|root| {
        let broken = good.replacen("base_url = \"https://", "base_url = \"", 1);
        std::fs::write(root.join("content/site.toml"), broken).unwrap();
    });
    let (status, body) = s.get("/");
    assert_eq!(status, 404);
    let doc = Html::parse_document(&body);
    let overlay: String = doc
        .select(&Selector::parse("#yasno-error pre").unwrap())
        .next()
        .expect("the error overlay")
        .text()
        .collect();
    assert!(overlay.contains("site.toml:"), "{overlay}");
    assert!(overlay.contains("base_url"), "{overlay}");
    assert!(
        body.contains("/__yasno/live.js"),
        "the page reloads itself when fixed"
    );

    std::fs::write(s.path("content/site.toml"), &good).unwrap();
    let home = s.wait_for("/", "the site after the fix", |st, _| st == 200);
    assert!(!home.contains(r#"id="yasno-error""#));
    assert_eq!(s.get(GAZETA_URL).0, 200);
}

#[test]
fn the_survey_form_posts_to_the_preview_collector_and_the_answer_is_stored() {
    let server = Server::start();
    let page = server.wait_for("/services/razreshenie-na-brak/", "page served", |s, _| {
        s == 200
    });
    let doc = Html::parse_document(&page);
    let form = doc
        .select(&Selector::parse("form.survey").unwrap())
        .next()
        .expect("survey form");
    assert_eq!(form.value().attr("action"), Some("/api/answers"));
    // Post the no-JS form exactly as a browser would: its hidden fields plus a rating.
    let mut fields: Vec<(String, String)> = form
        .select(&Selector::parse("input[type=hidden]").unwrap())
        .map(|i| {
            (
                i.value().attr("name").unwrap().to_owned(),
                i.value().attr("value").unwrap_or("").to_owned(),
            )
        })
        .collect();
    fields.push(("rating".into(), "5".into()));
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let resp = agent
        .post(format!("{}/api/answers", server.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body.as_str())
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303, "log:\n{}", server.log());
    assert_eq!(
        resp.headers().get("location").unwrap().to_str().unwrap(),
        "/services/razreshenie-na-brak/#survey-thanks"
    );
    // The answer is on disk in the preview database.
    let db = rusqlite::Connection::open(server.path(".yasno-cache/preview.db")).unwrap();
    let (service, source): (String, String) = db
        .query_row("SELECT service, source FROM answers", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        (service.as_str(), source.as_str()),
        ("razreshenie-na-brak", "web")
    );
}

#[test]
fn static_files_are_added_overridden_and_removed_as_the_build_would() {
    // The watcher watches the site's `static/` folder when it exists at start.
    let s = Server::start_with(|root| {
        std::fs::create_dir_all(root.join("static/css")).unwrap();
        std::fs::write(root.join("static/robots-note.txt"), "x").unwrap();
    });
    let theme_css = std::fs::read_to_string(s.path("themes/default/static/css/site.css")).unwrap();
    assert_eq!(s.get("/css/site.css"), (200, theme_css.clone()));
    assert_eq!(s.get("/extra.txt").0, 404);

    // A site's own static file is served, and one of the theme's path overrides the theme's.
    std::fs::write(s.path("static/extra.txt"), "своё").unwrap();
    std::fs::write(s.path("static/css/site.css"), "body { color: #000 }").unwrap();
    s.wait_for("/extra.txt", "the new static file", |st, b| {
        st == 200 && b == "своё"
    });
    s.wait_for("/css/site.css", "the site's override", |_, b| {
        b == "body { color: #000 }"
    });
    // The build's other static files stay: the theme's, and the survey widget's bundle.
    assert_eq!(s.get("/js/a11y.js").0, 200);
    assert_eq!(s.get("/widgets/survey.js").0, 200);

    // Removing them takes the file away and brings the theme's back.
    std::fs::remove_file(s.path("static/extra.txt")).unwrap();
    std::fs::remove_file(s.path("static/css/site.css")).unwrap();
    s.wait_for("/extra.txt", "the removed file gone", |st, _| st == 404);
    s.wait_for("/css/site.css", "the theme's file back", |_, b| {
        b == theme_css
    });
    assert_eq!(s.get("/widgets/survey.js").0, 200);
}

/// Sends `GET target` with the given `Host` over a raw connection (an HTTP client would
/// fix up both) and returns the status line and the headers.
fn raw_get(s: &Server, target: &str, host: &str) -> String {
    use std::io::Write;
    let addr = s.base.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        conn,
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut head = String::new();
    for line in BufReader::new(conn).lines() {
        let line = line.unwrap();
        if line.is_empty() {
            break;
        }
        head.push_str(&line);
        head.push('\n');
    }
    head
}

#[test]
fn a_redirect_never_leads_to_another_host() {
    let s = Server::start();
    let host = s.base.trim_start_matches("http://").to_owned();
    for target in [
        "/services/gazeta",
        "//services/gazeta",
        "///services/gazeta",
    ] {
        let head = raw_get(&s, target, &host);
        assert!(head.starts_with("HTTP/1.1 308"), "{target}: {head}");
        assert!(
            head.lines()
                .any(|l| l.eq_ignore_ascii_case("location: /services/gazeta/")),
            "{target}: {head}"
        );
    }
}

#[test]
fn the_preview_answers_only_its_own_host_names() {
    let s = Server::start();
    let port = s.base.rsplit(':').next().unwrap().to_owned();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let head = raw_get(&s, "/", &host);
        assert!(head.starts_with("HTTP/1.1 200"), "{host}: {head}");
    }
    // A page on another site that rebinds its name to 127.0.0.1 sends its own name.
    for host in [format!("evil.example:{port}"), "evil.example".to_owned()] {
        for target in ["/", "/api/health", "/__yasno/events"] {
            let head = raw_get(&s, target, &host);
            assert!(head.starts_with("HTTP/1.1 403"), "{host}{target}: {head}");
        }
    }
}

#[test]
fn translations_follow_edits_of_their_source_and_of_themselves() {
    const SRC: &str = "content/services/blagoustroystvo-dvora.md";
    const UZ: &str = "content/services/blagoustroystvo-dvora.uz.md";
    const UZ_URL: &str = "/uz/services/blagoustroystvo-dvora/";
    let s = Server::start();
    let (status, before) = s.get(UZ_URL);
    assert_eq!(status, 200);
    assert!(before.contains("30 kalendar kuni"), "the source's deadline");
    // A fact changed in the Russian file shows on the translation (merged again).
    let src = std::fs::read_to_string(s.path(SRC)).unwrap();
    std::fs::write(s.path(SRC), src.replacen("days = 30", "days = 25", 1)).unwrap();
    s.wait_for(UZ_URL, "the new deadline on the Uzbek page", |st, b| {
        st == 200 && b.contains("25 kalendar kuni")
    });
    // A translation's own edit shows on its page and in its language's listings.
    let uz = std::fs::read_to_string(s.path(UZ)).unwrap();
    let uz = uz.replacen(
        "\ntitle = \"Hovlidagi muammo",
        "\ntitle = \"Yangi sarlavha: hovlidagi muammo",
        1,
    );
    std::fs::write(s.path(UZ), uz).unwrap();
    s.wait_for(UZ_URL, "the new Uzbek title", |_, b| {
        h1(b).starts_with("Yangi sarlavha")
    });
    s.wait_for("/uz/", "the new title on the Uzbek home page", |_, b| {
        b.contains("Yangi sarlavha")
    });
}

#[test]
fn a_missing_page_under_a_language_gets_that_languages_404() {
    let s = Server::start();
    let (status, body) = s.get("/uz/no-such-page/");
    assert_eq!(status, 404);
    assert!(body.contains("<html lang=\"uz\">"), "{body}");
    let (status, body) = s.get("/no-such-page/");
    assert_eq!(status, 404);
    assert!(body.contains("<html lang=\"ru\">"));
}

/// A served page without the live-reload script the server adds to every HTML page.
fn without_reload_script(html: &str) -> String {
    let Some(at) = html.find(r#"<script src="/__yasno/live.js""#) else {
        return html.to_owned();
    };
    let end = at + html[at..].find("</script>").unwrap() + "</script>".len();
    format!("{}{}", &html[..at], &html[end..])
}

/// The all-questions pages of `yasno build` on a copy of `site`'s content and themes, by
/// URL path.
fn built_question_pages(site: &Path) -> Vec<(String, String)> {
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&site.join("content"), &copy.path().join("content"));
    copy_dir(&site.join("themes"), &copy.path().join("themes"));
    let out = copy.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_yasno"))
        .args(["build", "--root"])
        .arg(copy.path())
        .arg("--output")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let pages: Vec<(String, String)> = walkdir::WalkDir::new(&out)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.path().ends_with("faq/index.html"))
        .map(|e| {
            let rel = e.path().strip_prefix(&out).unwrap().to_str().unwrap();
            let url = format!("/{}", rel.trim_end_matches("index.html"));
            (url, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect();
    assert!(pages.len() >= 2, "{pages:?}");
    pages
}

/// The all-questions pages (the largest, compressed piece by piece as they render, never
/// held whole) are served exactly as `yasno build` writes them: at start, and as the
/// listing worker renders them again after an edit.
#[test]
fn the_served_question_pages_are_the_built_ones_at_start_and_after_an_edit() {
    let s = Server::start();
    let served_as_built = |what: &str| {
        for (url, built) in built_question_pages(s.site.path()) {
            s.wait_for(&url, what, |st, b| {
                st == 200 && without_reload_script(b) == built
            });
        }
    };
    served_as_built("the page as built at start");
    set_title(&s.path(GAZETA), "Газета: новое название");
    s.wait_for("/faq/", "the new title", |_, b| {
        b.contains("Газета: новое название")
    });
    served_as_built("the page as built after the edit");
}
