//! What the preview server serves: the whole built site in memory, plus the current errors.
//!
//! Files are kept gzip-compressed and inflated per request: a legacy site's service pages
//! shrink almost fourfold (37 KB to ~10 KB), which took serve at 10,000 services (370 MB of
//! HTML) from ~0.8 GB to a fraction; inflating one page costs well under a millisecond.
//!
//! Invariant: the map only ever holds files of a successful render. A rebuild computes its
//! files first and then swaps them in under one short write lock, so a reader sees either the
//! old or the new version of a page, never half of one, and nothing is written to disk.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use axum::body::Bytes;
use flate2::{Compress, FlushCompress, Status};
use rayon::prelude::*;
use tokio::sync::broadcast;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::render::{FileSink, OutputFile, PieceFill};

/// What a mistake is about, so that fixing one thing clears only its own message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ErrorKey {
    /// Loading the whole site (settings, surveys, pages) failed.
    Site,
    /// Loading the theme failed.
    Theme,
    /// Re-reading one content file failed.
    Source(PathBuf),
    /// Rendering one output file failed.
    Render(String),
}

/// A message to open browser tabs.
#[derive(Debug, Clone)]
pub(crate) enum LiveEvent {
    /// These URL paths changed (`None`: everything); tabs showing one of them reload.
    Reload(Option<Arc<Vec<String>>>),
    /// The build has a new error; tabs reload to show it over the last good page.
    Error,
}

/// One file as kept in memory: its path and its gzip-compressed bytes.
pub(crate) type Packed = (String, Bytes);

/// How hard files are compressed for the map. Level 2 of zlib-rs, measured on 1,000 service
/// pages of the bureaucratic corpus: 10.1 KB a page in 188 us, against 13.6 KB in 133 us at
/// level 1 and 9.4 KB in 242 us at level 3. Every page is compressed at start-up and after
/// each edit that touches it.
const PACK_LEVEL: flate2::Compression = flate2::Compression::new(2);

thread_local! {
    /// Each thread's compressor, reset between files. A new one allocates and clears its
    /// window and tables (hundreds of KB), and doing that for every page made `serve`'s
    /// start at 10,000 services 1.7 s slower, mostly in page faults.
    static GZIP: RefCell<Compress> = RefCell::new(new_gzip());
}

fn new_gzip() -> Compress {
    Compress::new_gzip(PACK_LEVEL, 15)
}

/// Feeds `input` to `c`, growing `out` as needed; with [`FlushCompress::Finish`], until the
/// stream is complete.
fn deflate(
    c: &mut Compress,
    mut input: &[u8],
    out: &mut Vec<u8>,
    flush: FlushCompress,
) -> std::io::Result<()> {
    loop {
        // Room for progress on every call: the loop cannot spin without output space.
        if out.capacity() - out.len() < 1024 {
            out.reserve(out.len().max(4096));
        }
        let (before, written) = (c.total_in(), out.len());
        let status = (c.compress_vec(input, out, flush)).map_err(std::io::Error::other)?;
        let read = usize::try_from(c.total_in() - before).unwrap_or(input.len());
        input = &input[read.min(input.len())..];
        let finishing = matches!(flush, FlushCompress::Finish);
        if (finishing && status == Status::StreamEnd)
            || (!finishing && input.is_empty() && out.len() < out.capacity())
        {
            return Ok(());
        }
        // With room to write, a call that neither read nor wrote never will: a stream
        // already finished, say. An error, not a loop without end.
        if read == 0 && out.len() == written {
            return Err(std::io::Error::other("deflate made no progress"));
        }
    }
}

/// `bytes` gzip-compressed by `c` (empty if deflating in memory ever failed, as before).
fn gzip_with(c: &mut Compress, bytes: &[u8]) -> Vec<u8> {
    c.reset();
    let mut out = Vec::with_capacity(bytes.len() / 3 + 64);
    match deflate(c, bytes, &mut out, FlushCompress::Finish) {
        Ok(()) => out,
        Err(_) => Vec::new(),
    }
}

/// Compresses one file for the map (see the module docs).
pub(crate) fn pack(file: OutputFile) -> Packed {
    let mut packed = GZIP.with(|c| match c.try_borrow_mut() {
        Ok(mut c) => gzip_with(&mut c, &file.bytes),
        // Not expected (nothing is called while it is borrowed), but never a panic.
        Err(_) => gzip_with(&mut new_gzip(), &file.bytes),
    });
    // `Bytes` keeps a vector's spare capacity: without this, up to half of what the map
    // holds would be slack from the vector's growth.
    packed.shrink_to_fit();
    (file.path, Bytes::from(packed))
}

/// Compresses a file handed in pieces ([`FileSink::put_pieces`]) as they come, so a page
/// too big to hold whole (the all-questions page, 35 MB at 10,000 services) never is.
fn pack_pieces(path: String, fill: &mut PieceFill<'_>) -> Result<Packed, Diagnostic> {
    // A compressor of its own: `fill` renders, and could pack other files on this thread
    // meanwhile. There are only a few such files.
    let mut c = new_gzip();
    let mut out = Vec::new();
    let mut ok = true;
    fill(&mut |piece| {
        ok &= deflate(&mut c, piece, &mut out, FlushCompress::None).is_ok();
        Ok(())
    })?;
    ok &= deflate(&mut c, &[], &mut out, FlushCompress::Finish).is_ok();
    let mut packed = if ok { out } else { Vec::new() };
    packed.shrink_to_fit();
    Ok((path, Bytes::from(packed)))
}

/// Compresses many files on every core.
pub(crate) fn pack_all(files: Vec<OutputFile>) -> Vec<Packed> {
    files.into_par_iter().map(pack).collect()
}

/// A sink that compresses each rendered file as soon as it is made, so a site (or the
/// pages an edit touches) is never held uncompressed.
#[derive(Default)]
pub(crate) struct PackSink(Mutex<Vec<Packed>>);

impl PackSink {
    /// The files compressed so far.
    pub(crate) fn into_files(self) -> Vec<Packed> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn keep(&self, p: Packed) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(p);
    }
}

impl FileSink for PackSink {
    fn put(&self, file: OutputFile) -> Result<(), Diagnostic> {
        self.keep(pack(file));
        Ok(())
    }

    fn put_pieces(
        &self,
        path: String,
        _source: u128,
        fill: &mut PieceFill<'_>,
    ) -> Result<(), Diagnostic> {
        self.keep(pack_pieces(path, fill)?);
        Ok(())
    }
}

fn unpack(packed: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(packed.len() * 8);
    // The map holds only what `pack` made, so inflating cannot fail.
    let _ = flate2::read::GzDecoder::new(packed).read_to_end(&mut out);
    Bytes::from(out)
}

/// The state shared by the HTTP handlers and the rebuild thread.
pub(crate) struct PreviewState {
    /// Output path → gzip-compressed contents.
    files: RwLock<HashMap<String, Bytes>>,
    /// Bumped when the whole model is replaced; late work from an older model is dropped.
    generation: AtomicU64,
    errors: RwLock<BTreeMap<ErrorKey, Diagnostics>>,
    events: broadcast::Sender<LiveEvent>,
    /// Number of live events sent so far. A page carries the count it was served at, so a tab
    /// that connects to the event stream after an event (it was reloading then) still learns
    /// of it.
    epoch: AtomicU64,
}

impl PreviewState {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            files: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            errors: RwLock::new(BTreeMap::new()),
            events: broadcast::channel(64).0,
            epoch: AtomicU64::new(0),
        })
    }

    /// A file of the site by its output path (`services/x/index.html`).
    pub(crate) fn get(&self, path: &str) -> Option<Bytes> {
        let packed = self
            .files
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .cloned();
        // Inflated outside the lock, so a rebuild's swap never waits for it.
        packed.map(|p| unpack(&p))
    }

    /// Whether a file exists.
    pub(crate) fn contains(&self, path: &str) -> bool {
        self.files
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(path)
    }

    /// Replaces the whole site (already packed, see [`pack`]), in a new generation, which
    /// it returns.
    pub(crate) fn replace_all(&self, files: Vec<Packed>) -> u64 {
        let map: HashMap<String, Bytes> = files.into_iter().collect();
        let mut guard = self.files.write().unwrap_or_else(|e| e.into_inner());
        *guard = map;
        self.generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The current generation.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Like [`PreviewState::update`], but only if still in `generation`; returns whether it was.
    pub(crate) fn update_in_generation(
        &self,
        generation: u64,
        files: Vec<Packed>,
        removed: &[String],
    ) -> bool {
        // Checked under the write lock, so a full reload cannot slip in between.
        let mut map = self.files.write().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::SeqCst) != generation {
            return false;
        }
        for r in removed {
            map.remove(r);
        }
        map.extend(files);
        true
    }

    /// Removes `removed` and puts `files` in, in one swap.
    /// The files come compressed ([`pack`]), so readers wait as little as possible.
    pub(crate) fn update(&self, files: Vec<Packed>, removed: &[String]) {
        let mut map = self.files.write().unwrap_or_else(|e| e.into_inner());
        for r in removed {
            map.remove(r);
        }
        map.extend(files);
    }

    /// The current errors as plain text, or `None` when the build is clean.
    pub(crate) fn error_text(&self) -> Option<String> {
        let errors = self.errors.read().unwrap_or_else(|e| e.into_inner());
        if errors.is_empty() {
            return None;
        }
        // One template mistake fails many pages the same way: show each message once.
        let mut seen = std::collections::BTreeSet::new();
        let mut text = String::new();
        for d in errors.values().flat_map(|d| &d.0) {
            let one = d.to_plain_string();
            if seen.insert(one.clone()) {
                text.push_str(&one);
            }
        }
        Some(text)
    }

    /// Records an error (replacing an older one about the same thing).
    pub(crate) fn set_error(&self, key: ErrorKey, diags: Diagnostics) {
        self.errors
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, diags);
    }

    /// Forgets errors matching `pred`; returns whether any was removed.
    pub(crate) fn clear_errors(&self, pred: impl Fn(&ErrorKey) -> bool) -> bool {
        let mut errors = self.errors.write().unwrap_or_else(|e| e.into_inner());
        let before = errors.len();
        errors.retain(|k, _| !pred(k));
        errors.len() != before
    }

    /// Whether any error is recorded.
    pub(crate) fn has_errors(&self) -> bool {
        !self
            .errors
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// Tells open tabs; nobody listening is fine.
    pub(crate) fn notify(&self, event: LiveEvent) {
        // Counted before it is sent: the state it announces is already in place.
        self.epoch.fetch_add(1, Ordering::SeqCst);
        let _ = self.events.send(event);
    }

    /// How many live events have been sent (see [`PreviewState::notify`]).
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// A receiver of live events for one browser tab.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.events.subscribe()
    }
}

/// The URL path of an output file: `services/x/index.html` → `/services/x/`.
pub(crate) fn url_of(output_path: &str) -> String {
    match output_path.strip_suffix("index.html") {
        Some(dir) => format!("/{dir}"),
        None => format!("/{output_path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_kept_compressed_and_served_byte_for_byte() {
        let html = "<!DOCTYPE html><p>Услуга</p>\n".repeat(500).into_bytes();
        let png = (0..=255u8).cycle().take(5000).collect::<Vec<u8>>();
        let state = PreviewState::new();
        state.replace_all(vec![pack(OutputFile {
            path: "a/index.html".into(),
            bytes: html.clone(),
        })]);
        state.update(
            pack_all(vec![OutputFile {
                path: "b.png".into(),
                bytes: png.clone(),
            }]),
            &[],
        );
        assert_eq!(state.get("a/index.html").unwrap(), html);
        assert_eq!(state.get("b.png").unwrap(), png);
        assert!(state.get("c").is_none());
        let kept = state.files.read().unwrap()["a/index.html"].len();
        assert!(kept * 8 < html.len(), "kept {kept} bytes of {}", html.len());
    }

    /// Each thread's compressor serves file after file: every file comes back as it went
    /// in, whether small, empty, larger than any buffer (and incompressible) or handed over
    /// in pieces, and a realistic page is kept at well under a third of its size.
    #[test]
    fn one_compressor_packs_file_after_file() {
        // A xorshift stream: bytes deflate cannot shrink, 3 MB of them.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let noise: Vec<u8> = (0..3_000_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let page = "<p>Заявление подаётся лично или через представителя.</p>\n"
            .repeat(200)
            .into_bytes();
        let files = [
            page.clone(),
            Vec::new(),
            noise.clone(),
            page.clone(),
            b"x".to_vec(),
        ];
        let packed: Vec<Packed> = (files.iter().enumerate())
            .map(|(i, bytes)| {
                pack(OutputFile {
                    path: format!("{i}"),
                    bytes: bytes.clone(),
                })
            })
            .collect();
        for ((_, p), bytes) in packed.iter().zip(&files) {
            assert_eq!(unpack(p), *bytes);
        }
        assert!(packed[0].1.len() * 3 < page.len(), "{}", packed[0].1.len());
        // The same bytes, handed over in pieces of every size up to a megabyte.
        let mut fill = |put: &mut dyn FnMut(&[u8]) -> Result<(), Diagnostic>| {
            let mut rest = &noise[..];
            let mut n = 1;
            while !rest.is_empty() {
                let (piece, tail) = rest.split_at(n.min(rest.len()));
                put(piece)?;
                rest = tail;
                n = n * 3 % 1_048_573 + 1;
            }
            put(&page)
        };
        let (_, p) = pack_pieces("pieces".into(), &mut fill).unwrap();
        assert_eq!(unpack(&p), [noise.as_slice(), page.as_slice()].concat());
    }

    #[test]
    fn url_of_maps_index_files_to_folders() {
        assert_eq!(url_of("index.html"), "/");
        assert_eq!(url_of("services/x/index.html"), "/services/x/");
        assert_eq!(url_of("sitemap.xml"), "/sitemap.xml");
    }
}
