//! `yasno serve`: a live preview. Builds the site into memory, serves it on 127.0.0.1,
//! watches content, theme and settings, rebuilds only the pages a change touches, and
//! reloads open browser tabs.
//!
//! Parts: [`state`] holds the served files and errors; [`deps`] decides what a change
//! touches; [`rebuild`] re-loads and re-renders; [`watch`] turns file events into batches;
//! [`reload`] is the live-reload channel and the error overlay; `host` refuses requests
//! that name another host (DNS rebinding). Nothing is written to disk
//! except the collector's database in `<root>/.yasno-cache/`.

mod deps;
mod host;
mod rebuild;
mod reload;
mod state;
mod watch;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use rebuild::Preview;
use state::PreviewState;

/// Options of `yasno serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site folder.
    pub root: PathBuf,
    /// Address to listen on; 127.0.0.1 by default.
    pub interface: IpAddr,
    /// Port; 0 picks a free one (the address is printed).
    pub port: u16,
    /// Include drafts.
    pub drafts: bool,
    /// Quiet time after a file event before rebuilding: one save is often several events.
    pub debounce: Duration,
}

impl ServeOptions {
    /// Defaults for a site in `root`: 127.0.0.1:1111, no drafts, 20 ms debounce.
    pub fn new(root: PathBuf) -> Self {
        Self {
            root,
            interface: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 1111,
            drafts: false,
            // Short enough for the 50 ms edit-to-page target, long enough to merge the
            // writes of one save (measured: they arrive within a few milliseconds).
            debounce: Duration::from_millis(20),
        }
    }
}

/// Why the preview server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The site folder is missing.
    #[error("папки сайта {0} нет / site folder {0} not found")]
    NoSite(PathBuf),
    /// The address is taken or not allowed.
    #[error(
        "не удалось занять адрес {addr} / cannot listen on {addr}: {source} (выберите другой --port / choose another --port)"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// File watching could not start.
    #[error("не удалось следить за файлами / cannot watch files: {0}")]
    Watch(#[from] notify::Error),
    /// Any other I/O error (runtime, server).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The survey collector for the preview, on the same port as the site, with its SQLite file
/// in `<root>/.yasno-cache/preview.db`, so the survey works in preview as it will live.
/// `None` (with a message) when the site did not load or the database cannot be opened.
fn collector_router(root: &Path, site: Option<&crate::site::Site>) -> Option<Router> {
    let site = site?;
    let surveys = crate::collect::cli::from_site(site);
    let db = crate::cache::path(root, "preview.db");
    let opened = std::fs::create_dir_all(db.parent().unwrap_or(root))
        .map_err(|e| e.to_string())
        .and_then(|()| crate::collect::SqliteStore::open(&db).map_err(|e| e.to_string()));
    match opened {
        Ok(store) => {
            let api = crate::collect::router(surveys.config, std::sync::Arc::new(store));
            println!(
                "Опросы сохраняются в {} / survey answers go to {}",
                db.display(),
                db.display()
            );
            Some(if surveys.prefix.is_empty() {
                api
            } else {
                Router::new().nest(&surveys.prefix, api)
            })
        }
        Err(e) => {
            eprintln!("warning: сборщик опросов не запущен / survey collector not started: {e}");
            None
        }
    }
}

/// Runs the preview server until Ctrl+C.
pub fn run(opts: &ServeOptions) -> Result<(), ServeError> {
    let root = opts
        .root
        .canonicalize()
        .map_err(|_| ServeError::NoSite(opts.root.clone()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let addr = SocketAddr::new(opts.interface, opts.port);
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(addr))
        .map_err(|source| ServeError::Bind { addr, source })?;
    let addr = listener.local_addr()?;

    let state = PreviewState::new();
    let mut preview = Preview::new(root.clone(), opts.drafts, state.clone());
    let first = preview.full();
    if !first.failed {
        println!(
            "Собрано в памяти: {} файлов за {} мс / built in memory: {} files in {} ms",
            first.files,
            first.elapsed.as_millis(),
            first.files,
            first.elapsed.as_millis()
        );
    }
    let collector = collector_router(&root, preview.site());
    let theme_name = preview
        .site()
        .map_or_else(|| "default".to_owned(), |s| s.settings.theme.clone());

    let (tx, rx) = mpsc::channel();
    let _watcher = watch::watch(&deps::watched_dirs(&root, &theme_name), opts.debounce, tx)?;
    // The rebuild thread owns the model; handlers only read the shared state.
    let watched_root = root.clone();
    std::thread::spawn(move || rebuild_loop(preview, &watched_root, rx));

    let mut app: Router = Router::new()
        .route(reload::EVENTS_PATH, get(reload::events))
        .route(reload::SCRIPT_PATH, get(reload::script))
        .fallback(serve_file)
        .with_state(state);
    if let Some(collector) = collector {
        app = app.merge(collector);
    }
    let app = app.layer(axum::middleware::from_fn(host::guard));

    println!("Сайт: http://{addr}/ / serving at http://{addr}/ (Ctrl+C — стоп / to stop)");
    // No graceful shutdown: open tabs hold event streams that never end, and a preview has
    // nothing to flush.
    runtime.block_on(async move {
        tokio::select! {
            // Connection info lets the collector's rate limit tell clients apart.
            served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()) => served,
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })?;
    runtime.shutdown_timeout(Duration::from_millis(100));
    println!("Остановлено / stopped");
    Ok(())
}

fn rebuild_loop(mut preview: Preview, root: &Path, rx: mpsc::Receiver<Vec<PathBuf>>) {
    while let Ok(mut paths) = rx.recv() {
        // Merge batches that queued up while the last rebuild ran.
        while let Ok(more) = rx.try_recv() {
            paths.extend(more);
        }
        let theme = preview
            .site()
            .map_or_else(|| "default".to_owned(), |s| s.settings.theme.clone());
        let plan = deps::classify(root, &theme, &paths);
        if plan.is_empty() {
            continue;
        }
        let out = preview.apply(&plan);
        let what = if plan.everything {
            "всё / everything".to_owned()
        } else {
            let mut names: Vec<String> = plan
                .services
                .iter()
                .chain(
                    plan.templates
                        .iter()
                        .map(PathBuf::from)
                        .collect::<Vec<_>>()
                        .iter(),
                )
                .map(|p| {
                    p.file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
                })
                .collect();
            if plan.statics {
                names.push("static".into());
            }
            names.join(", ")
        };
        let first = out.first_served.map_or_else(String::new, |d| {
            format!(", первая страница / first page {} ms", d.as_millis())
        });
        println!(
            "↻ {what}: {} файлов за {} мс{first} / {} files in {} ms{}",
            out.files,
            out.elapsed.as_millis(),
            out.files,
            out.elapsed.as_millis(),
            if out.failed {
                " (с ошибками / with errors)"
            } else {
                ""
            }
        );
    }
}

/// Serves a file of the site from memory; HTML pages get the live-reload script.
async fn serve_file(State(state): State<Arc<PreviewState>>, uri: Uri) -> Response {
    // Read before the page: if an event comes in between, the tab reloads once more than
    // needed, never once less.
    let epoch = state.epoch();
    let raw = uri.path();
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let mut key = decoded.trim_start_matches('/').to_owned();
    if key.is_empty() || key.ends_with('/') {
        key.push_str("index.html");
    }
    if let Some(bytes) = state.get(&key) {
        return file_response(StatusCode::OK, &key, bytes, &state, epoch);
    }
    // `/services/x` → `/services/x/`, as static web servers do. The target starts with
    // exactly one `/`: `//services/x/` would be another host's address to a browser.
    if state.contains(&format!("{key}/index.html")) {
        let path = raw.trim_start_matches(['/', '\\']);
        return Redirect::permanent(&format!("/{path}/")).into_response();
    }
    // A missing page under `/<lang>/` gets that language's 404 page, when there is one.
    let lang_404 = key
        .split_once('/')
        .map(|(first, _)| format!("{first}/404.html"))
        .filter(|p| state.contains(p));
    let not_found = lang_404.unwrap_or_else(|| "404.html".to_owned());
    match state.get(&not_found) {
        Some(bytes) => file_response(StatusCode::NOT_FOUND, &not_found, bytes, &state, epoch),
        None => {
            // Nothing built yet (the first build failed): an empty page that carries the
            // overlay and the reload script, so the tab shows the site once it is fixed.
            let empty = "<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"utf-8\">\
                <title>yasno</title></head><body><p>Не найдено / not found</p></body></html>";
            let body = reload::inject(empty.as_bytes(), state.error_text().as_deref(), epoch);
            let mut resp = (StatusCode::NOT_FOUND, body).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            resp
        }
    }
}

fn file_response(
    status: StatusCode,
    path: &str,
    bytes: axum::body::Bytes,
    state: &PreviewState,
    epoch: u64,
) -> Response {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let is_html = mime.essence_str() == "text/html";
    let body = if is_html {
        Body::from(reload::inject(&bytes, state.error_text().as_deref(), epoch))
    } else {
        Body::from(bytes)
    };
    let content_type = if mime.type_() == "text" || mime.subtype() == "javascript" {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_owned()
    };
    let mut resp = (status, body).into_response();
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    // A preview must never show a cached old page.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
